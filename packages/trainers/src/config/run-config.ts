import { BACKEND_NAMES } from '@tessera/core';
import { z } from 'zod';
import { TRAINING_PRECISIONS } from '../training-precision.js';

const positiveInteger = z.number().int().positive();

/** The parts of a run config every run has; `data`, `model` and `task` are validated by their registry kind. */
export const runConfigSchema = z
  .object({
    /** The run's name: its directory is `<runsDirectory>/<name>`. */
    name: z.string().regex(/^[\w.-]+$/, 'expected a name of letters, digits, ".", "_" or "-"'),
    runsDirectory: z.string().default('runs'),
    seed: z.number().int().nonnegative().default(0),
    /** Any name `initBackend` accepts (the one list, from @tessera/spec). */
    backend: z.enum(BACKEND_NAMES).optional(),
    data: z.looseObject({ kind: z.string() }),
    model: z.looseObject({ kind: z.string() }),
    task: z.looseObject({ kind: z.string() }).default({ kind: 'classification' }),
    optimizer: z
      .strictObject({
        kind: z.enum(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']).default('adamw'),
        learningRate: z.number().positive(),
        weightDecay: z.number().nonnegative().optional(),
        momentum: z.number().nonnegative().optional(),
        beta1: z.number().min(0).max(1).optional(),
        beta2: z.number().min(0).max(1).optional(),
      })
      .default({ kind: 'adamw', learningRate: 1e-3 }),
    schedule: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('constant') }),
        z.strictObject({
          kind: z.literal('cosine'),
          warmupSteps: z.number().int().nonnegative().default(0),
          minimumFactor: z.number().min(0).max(1).default(0),
        }),
        z.strictObject({
          kind: z.literal('linear'),
          warmupSteps: z.number().int().nonnegative().default(0),
          minimumFactor: z.number().min(0).max(1).default(0),
        }),
      ])
      .default({ kind: 'constant' }),
    training: z
      .strictObject({
        epochs: positiveInteger.optional(),
        maxSteps: positiveInteger.optional(),
        evaluateEvery: positiveInteger.optional(),
        gradientAccumulationSteps: positiveInteger.default(1),
        clipGradientNorm: z.number().positive().optional(),
        /** The Trainer's `precision` (unset: fp32); `bf16-mixed` needs the torch backend. */
        precision: z.enum(TRAINING_PRECISIONS).optional(),
        checkpointEverySteps: positiveInteger.optional(),
        keepLast: positiveInteger.default(3),
        earlyStopping: z
          .strictObject({
            monitor: z.string().default('loss'),
            mode: z.enum(['min', 'max']).default('min'),
            patience: positiveInteger.default(3),
          })
          .optional(),
      })
      .default({ gradientAccumulationSteps: 1, keepLast: 3 }),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
