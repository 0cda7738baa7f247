import { initBackend, isTesseraError, listBackends, tf } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Callback } from './callback.js';
import { runConfigSchema } from './config/run-config.js';
import { makeLoader, makeTrainer } from './test-fixtures.js';
import { Trainer } from './trainer.js';
import { applyTrainingPrecision } from './training-precision.js';

/** A trainer from the shared fixture with `precision` and `callbacks`. */
function trainerWith(precision: 'fp32' | 'bf16-mixed', callbacks: Callback[] = []) {
  const base = makeTrainer();
  return new Trainer({
    model: base.model,
    task: base.task,
    optimizer: base.optimizer,
    precision,
    callbacks,
  });
}

/**
 * Whether a [32, 64]·[64, 32] product on the active backend came out as bf16 values (every float32
 * result with its low 16 bits zero), as products do under bf16-mixed.
 */
function productIsBfloat16(): boolean {
  return tf.tidy(() => {
    const a = tf.randomNormal([32, 64], 0, 1, 'float32', 1);
    const b = tf.randomNormal([64, 32], 0, 1, 'float32', 2);
    const values = tf.matMul(a, b).dataSync() as Float32Array;
    return new Uint32Array(values.buffer, values.byteOffset, values.length).every((word) => (word & 0xffff) === 0);
  });
}

const torchAvailable = (await listBackends()).find((candidate) => candidate.name === 'torch')?.available === true;

afterAll(() => applyTrainingPrecision('fp32'));

describe('Trainer precision', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`refuses bf16-mixed on ${backend} with E_TRAINER_PRECISION naming the backends that have 16-bit kernels`, async () => {
      await initBackend({ backend });
      const trainer = trainerWith('bf16-mixed');
      const error = await trainer.fit(makeLoader(), { maxSteps: 1 }).catch((caught: unknown) => caught);
      expect(isTesseraError(error, 'E_TRAINER_PRECISION')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(`active backend '${backend}' computes in fp32 only`);
      // @tessera/backend-torch is in this repository (turbo builds it before these tests): where its
      // addon built, its adapters bring setPrecision; without LibTorch the message says how to get one.
      expect(message).toContain(
        torchAvailable
          ? 'backends with them: torch-cuda, torch'
          : '@tessera/backend-torch provides torch and torch-cuda',
      );
      expect(trainer.position.step).toBe(0); // refused before the first step
      await expect(trainer.evaluate(makeLoader({ shuffle: false }))).rejects.toThrow(/E_TRAINER_PRECISION/);
    });
  }

  it('trains in fp32 on wasm when asked for fp32 (every backend has it)', async () => {
    await initBackend({ backend: 'wasm' });
    const trainer = trainerWith('fp32');
    await trainer.fit(makeLoader(), { maxSteps: 3 });
    expect(trainer.position.step).toBe(3);
  });

  it('rejects an unknown precision when the Trainer is made', () => {
    const base = makeTrainer();
    expect(
      () =>
        new Trainer({
          model: base.model,
          task: base.task,
          optimizer: base.optimizer,
          precision: 'fp16' as 'fp32',
        }),
    ).toThrow(/E_TRAINER_OPTION.*precision must be one of fp32, bf16-mixed/);
  });

  it('the run config takes training.precision fp32 or bf16-mixed, nothing else', () => {
    const config = { name: 'run', data: { kind: 'd' }, model: { kind: 'm' } };
    expect(runConfigSchema.parse({ ...config, training: { precision: 'bf16-mixed' } }).training.precision).toBe(
      'bf16-mixed',
    );
    expect(runConfigSchema.parse(config).training.precision).toBeUndefined();
    expect(runConfigSchema.safeParse({ ...config, training: { precision: 'fp16-mixed' } }).success).toBe(false);
  });

  it.skipIf(!torchAvailable)(
    'on torch, bf16-mixed makes the products bf16 while fit runs (evaluation included) and fp32 after',
    async () => {
      await initBackend({ backend: 'torch' });
      expect(productIsBfloat16()).toBe(false);
      const seen: boolean[] = [];
      const probe: Callback = {
        onStepEnd() {
          seen.push(productIsBfloat16());
        },
        onEvaluationEnd() {
          seen.push(productIsBfloat16());
        },
      };
      const trainer = trainerWith('bf16-mixed', [probe]);
      await trainer.fit(makeLoader(), {
        maxSteps: 8,
        evaluationLoader: makeLoader({ shuffle: false }),
        evaluateEvery: 4,
      });
      expect(seen).toEqual(Array(10).fill(true)); // 8 steps and 2 evaluations
      expect(productIsBfloat16()).toBe(false);
      const { metrics } = await trainer.evaluate(makeLoader({ shuffle: false }));
      expect(metrics.accuracy).toBeGreaterThan(0.6); // it learned in bf16-mixed
    },
  );

  it.skipIf(!torchAvailable)(
    'puts back the precision the backend computed in before, whichever the Trainer asked for',
    async () => {
      await initBackend({ backend: 'torch' });
      expect(await applyTrainingPrecision('bf16-mixed')).toBe('fp32'); // returns what it replaced
      // Set globally before: a fp32 Trainer computes in fp32, then bf16-mixed is back.
      const fp32 = trainerWith('fp32', [{ onStepEnd: () => expect(productIsBfloat16()).toBe(false) }]);
      await fp32.fit(makeLoader(), { maxSteps: 2 });
      expect(productIsBfloat16()).toBe(true);
      // A bf16-mixed Trainer leaves the global bf16-mixed as it found it.
      await trainerWith('bf16-mixed').fit(makeLoader(), { maxSteps: 2 });
      expect(productIsBfloat16()).toBe(true);
      expect(await applyTrainingPrecision('fp32')).toBe('bf16-mixed');
      expect(productIsBfloat16()).toBe(false);
    },
  );
});
