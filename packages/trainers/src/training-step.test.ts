import { initBackend, Module, SGD, type Task, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainingStep } from './training-step.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** One scalar weight `w`; a batch is a list of numbers and its loss is mean((w - x)²). */
class Scalar extends Module<[], tf.Tensor> {
  readonly w = this.registerParameter('w', tf.scalar(0));
  forward() {
    return this.w;
  }
}

// d/dw mean((w - x)²) = 2 (w - mean(x)): at w = 0, −4 for [1, 3] (loss 5) and −10 for [5] (loss 25).
const meanSquaredDistance: Task<number[], Scalar> = {
  name: 'mean-squared-distance',
  forward: (model, batch) => ({
    loss: tf.mean(tf.square(tf.sub(model.w, tf.tensor1d(batch)))) as tf.Scalar,
    itemCount: batch.length,
  }),
};

function makeStep(options: { accumulation: number; schedule?: (step: number) => number; seen?: number[] }) {
  const model = new Scalar();
  const optimizer = new SGD(model.trainableParameters(), { learningRate: 0.1 });
  const step = new TrainingStep<number[]>({
    model,
    task: meanSquaredDistance as Task<number[], never>,
    optimizer,
    gradientAccumulationSteps: options.accumulation,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    gradientTransforms: [
      {
        name: 'record-step',
        apply: (gradients, context) => {
          options.seen?.push(context.step);
          return gradients;
        },
      },
    ],
  });
  return { model, optimizer, step };
}

describe('TrainingStep', () => {
  it('averages the micro-batches’ gradients and losses into one update, under the scheduled learning rate', async () => {
    const seen: number[] = [];
    const { model, optimizer, step } = makeStep({ accumulation: 2, schedule: (index) => 0.5 ** index, seen });
    const before = tf.memory().numTensors;
    await step.accumulate([1, 3]);
    expect(step.isComplete).toBe(false);
    await step.accumulate([5]);
    expect(step.isComplete).toBe(true);
    const result = step.apply(1); // the second update of a run: factor 0.5, learning rate 0.05
    // w = 0 − 0.05 · (−4 + −10) / 2
    expect(model.w.dataSync()[0]).toBeCloseTo(0.35, 6);
    expect(result).toMatchObject({ loss: 15, learningRate: 0.05, itemCount: 3, microBatches: 2 });
    expect(result.itemsPerSecond).toBeGreaterThan(0);
    expect(seen).toEqual([1]);
    expect(step.pendingMicroBatches).toBe(0);
    expect(tf.memory().numTensors).toBe(before); // SGD without momentum keeps no slots
    optimizer.dispose();
    model.dispose();
  });

  it('a partial accumulation (an epoch’s end) is averaged over the micro-batches it has', async () => {
    const { model, optimizer, step } = makeStep({ accumulation: 3 });
    await step.accumulate([1, 3]);
    await step.accumulate([5]);
    const result = step.apply(0);
    expect(model.w.dataSync()[0]).toBeCloseTo(0.7, 6); // 0 − 0.1 · (−7)
    expect(result.loss).toBe(15);
    expect(result.microBatches).toBe(2);
    optimizer.dispose();
    model.dispose();
  });

  it('discard frees what was accumulated; apply then refuses; bad accumulation steps are refused', async () => {
    const { model, optimizer, step } = makeStep({ accumulation: 2 });
    const before = tf.memory().numTensors;
    await step.accumulate([1, 3]);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    step.discard();
    expect(tf.memory().numTensors).toBe(before);
    expect(step.pendingMicroBatches).toBe(0);
    expect(() => step.apply(0)).toThrow(/E_TRAINER_STEP|at least one accumulate/);
    expect(model.w.dataSync()[0]).toBe(0);
    expect(
      () => new TrainingStep({ model, task: meanSquaredDistance as never, optimizer, gradientAccumulationSteps: 0 }),
    ).toThrow(/gradientAccumulationSteps must be an integer ≥ 1, got 0/);
    optimizer.dispose();
    model.dispose();
  });
});
