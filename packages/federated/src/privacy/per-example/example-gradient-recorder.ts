import { type AnyModule, TesseraError, tf } from '@tessera/core';
import { disposeContribution, mergeContributions, type PerExampleContribution } from './contributions.js';
import { findRule, isBatchNormalization, type PerExampleRule, unsupportedLayerError } from './layer-rules.js';

type Forward = (...inputs: unknown[]) => unknown;

/** How the loss combines examples: per-example gradients are the batch gradient's terms × batch for 'mean'. */
export type LossReduction = 'mean' | 'sum';

interface RecordedCall {
  input: tf.Tensor;
  outputGradient?: tf.Tensor;
}

interface RecordedLayer {
  path: string;
  module: AnyModule;
  rule: PerExampleRule;
  /** Local name → dotted name of each trainable parameter the rule covers. */
  parameters: Map<string, string>;
  calls: RecordedCall[];
}

/** The per-example gradients of one recorded batch, by dotted parameter name. */
export interface RecordedBatch {
  batchSize: number;
  contributions: Map<string, PerExampleContribution>;
}

/**
 * Makes a model's per-example gradients available from ONE backward pass of the batch loss, as
 * Opacus's GradSampleModule: every layer with trainable parameters keeps its input during a
 * recorded forward pass, and an identity on its output (a tf.customGrad) keeps the gradient that
 * reaches the output in the backward pass. A layer rule then turns (input, output gradient) into
 * per-example parameter gradients with batched products.
 *
 * Construction checks the whole model: BatchNorm is refused (its output for one example depends
 * on the others, so per-example gradients do not exist), as is any trainable parameter outside a
 * supported layer. Recording wraps each layer's `forward` on the instance; `detach()` restores it.
 */
export class ExampleGradientRecorder {
  private readonly layers: RecordedLayer[] = [];
  private readonly restorers: Array<() => void> = [];
  private recording = false;
  private pendingBatches = 0;

  constructor(readonly model: AnyModule) {
    const problems: string[] = [];
    for (const [path, module] of model.namedModules()) {
      const describe = `${path === '' ? '(root)' : path} (${module.constructor.name})`;
      if (isBatchNormalization(module)) {
        throw new TesseraError(
          'E_DP_BATCH_NORM',
          `${describe} normalises with batch statistics, which mixes examples, so per-example gradients and DP-SGD's guarantee do not exist; replace it with LayerNorm (or a GroupNorm) before training privately, as Opacus requires`,
        );
      }
      const own = module
        .namedParameters()
        .filter(([name, variable]) => !name.includes('.') && variable.trainable)
        .map(([name]) => name);
      if (own.length === 0) continue;
      const rule = findRule(module);
      if (rule === undefined) {
        problems.push(`${describe}: ${own.join(', ')}`);
        continue;
      }
      const parameters = new Map(own.map((name) => [name, path === '' ? name : `${path}.${name}`]));
      this.layers.push({ path, module, rule, parameters, calls: [] });
    }
    if (problems.length > 0) throw unsupportedLayerError(problems);
    for (const layer of this.layers) this.wrap(layer);
  }

  /** Dotted names of the parameters whose per-example gradients are recorded. */
  get parameterNames(): string[] {
    return this.layers.flatMap((layer) => [...layer.parameters.values()]);
  }

  private wrap(layer: RecordedLayer): void {
    const target = layer.module as unknown as { forward: Forward };
    const ownForward = Object.getOwnPropertyDescriptor(target, 'forward');
    const original = target.forward;
    target.forward = (...inputs: unknown[]) => {
      const output = original.apply(layer.module, inputs);
      if (!this.recording) return output;
      const input = inputs[0];
      if (!(input instanceof tf.Tensor) || !(output instanceof tf.Tensor)) {
        throw new TesseraError('E_DP_LAYER', `${layer.path}: per-example gradients need a tensor input and output`);
      }
      const call: RecordedCall = { input: tf.keep(tf.clone(input)) };
      layer.calls.push(call);
      return probe(output, (gradient) => {
        call.outputGradient = tf.keep(tf.clone(gradient));
      });
    };
    this.restorers.push(() => {
      if (ownForward === undefined) delete (target as Partial<typeof target>).forward;
      else Object.defineProperty(target, 'forward', ownForward);
    });
  }

  /**
   * Runs `forward` (the model's forward pass for one batch) with recording on. Its backward pass
   * must follow before the next recorded batch; `takeBatch` then returns the per-example gradients.
   */
  record<T>(forward: () => T): T {
    if (this.pendingBatches > 0) {
      this.discard();
      throw new TesseraError(
        'E_DP_PENDING_BATCH',
        "a recorded batch was not consumed before the next one: with DP-SGD every batch must go through the privacy transform (gradient accumulation is not supported: sample larger batches instead), and the transform must be in the trainer's gradientTransforms",
      );
    }
    this.recording = true;
    this.pendingBatches += 1;
    try {
      return forward();
    } finally {
      this.recording = false;
    }
  }

  /** True when a recorded batch waits for `takeBatch`. */
  get hasPendingBatch(): boolean {
    return this.pendingBatches > 0;
  }

  /**
   * The recorded batch's per-example gradients (the caller disposes them with
   * `disposeRecordedBatch`), scaled for `lossReduction`: with 'mean' the loss's gradient carries
   * a 1/batch factor, undone here so each example's gradient is that of its own loss.
   */
  takeBatch(lossReduction: LossReduction): RecordedBatch {
    if (this.pendingBatches === 0) {
      throw new TesseraError(
        'E_DP_NOT_RECORDED',
        'no recorded batch: train with the privacy-wrapped task (privacy.task / wrapTask(task)), which records the per-example gradients the transform needs',
      );
    }
    const contributions = new Map<string, PerExampleContribution>();
    let batchSize: number | undefined;
    try {
      for (const layer of this.layers) {
        for (const call of layer.calls) {
          if (call.outputGradient === undefined) continue; // this output did not reach the loss
          const size = call.outputGradient.shape[0];
          if (
            call.outputGradient.rank < 2 ||
            size !== call.input.shape[0] ||
            (batchSize !== undefined && size !== batchSize)
          ) {
            throw new TesseraError(
              'E_DP_BATCH_DIMENSION',
              `${layer.path}: per-example gradients need the batch on the first axis of every layer's input and output, got input [${call.input.shape}] and output [${call.outputGradient.shape}]${batchSize === undefined ? '' : ` in a batch of ${batchSize}`}`,
            );
          }
          batchSize = size;
          const scale = lossReduction === 'mean' ? size : 1;
          const trainable = new Set(layer.parameters.keys());
          let produced: Record<string, PerExampleContribution> = {};
          tf.tidy(() => {
            const outputGradient = tf.mul(call.outputGradient as tf.Tensor, scale);
            produced = layer.rule.contributions(layer.module, { input: call.input, outputGradient }, trainable);
            for (const contribution of Object.values(produced)) keepContribution(contribution);
          });
          for (const [local, contribution] of Object.entries(produced)) {
            const name = layer.parameters.get(local) as string;
            const previous = contributions.get(name);
            contributions.set(name, previous === undefined ? contribution : mergeContributions(previous, contribution));
          }
        }
      }
    } catch (error) {
      for (const contribution of contributions.values()) disposeContribution(contribution);
      throw error;
    } finally {
      this.discard();
    }
    if (batchSize === undefined) {
      throw new TesseraError(
        'E_DP_NOT_RECORDED',
        'the recorded batch reached no layer with trainable parameters: did the backward pass run, on the model this recorder is attached to?',
      );
    }
    return { batchSize, contributions };
  }

  /** Drops what the last recorded batch kept. */
  discard(): void {
    for (const layer of this.layers) {
      for (const call of layer.calls) tf.dispose([call.input, ...(call.outputGradient ? [call.outputGradient] : [])]);
      layer.calls = [];
    }
    this.pendingBatches = 0;
  }

  /** Restores every wrapped layer's forward and frees anything still recorded. */
  detach(): void {
    this.discard();
    for (const restore of this.restorers.splice(0)) restore();
  }
}

/** The identity on `output`, whose gradient function hands the incoming gradient to `onGradient`. */
function probe(output: tf.Tensor, onGradient: (gradient: tf.Tensor) => void): tf.Tensor {
  const identity = tf.customGrad((x) => ({
    value: tf.clone(x as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      onGradient(dy);
      return tf.clone(dy);
    },
  }));
  return identity(output);
}

function keepContribution(contribution: PerExampleContribution): void {
  if (contribution.kind === 'dense') tf.keep(contribution.perExample);
  else if (contribution.kind === 'outerProduct') tf.keep(contribution.activations);
  if (contribution.kind !== 'dense') tf.keep(contribution.outputGradients);
}

/** Frees every tensor of a batch from `ExampleGradientRecorder.takeBatch` and empties it. */
export function disposeRecordedBatch(batch: RecordedBatch): void {
  for (const contribution of batch.contributions.values()) disposeContribution(contribution);
  batch.contributions.clear();
}
