// The Trainer under launchDataParallel: two workers, each with the same loader sharded by rank
// (DataLoader `shard`) and gradients averaged (`group.averageGradients()` as the first gradient
// transform), end where one Trainer on the whole batches does.
import {
  Activation,
  AdamW,
  classificationTask,
  clipGradientNorm,
  createDataLoader,
  createRandomGenerator,
  datasetFromColumns,
  initBackend,
  Linear,
  launchDataParallel,
  Sequential,
} from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer } from './trainer.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Trainer with data-parallel workers', () => {
  it('two workers on half of every batch end with the weights of one Trainer on the whole batches', async () => {
    const random = createRandomGenerator(3);
    const labels = Array.from({ length: 96 }, (_, index) => index % 3);
    const features = labels.flatMap((label) => [
      (label === 0 ? 1 : -1) + 0.3 * random.nextNormal(),
      (label === 1 ? 1 : -1) + 0.3 * random.nextNormal(),
      0.3 * random.nextNormal(),
      0.3 * random.nextNormal(),
    ]);
    const epochs = 2;
    const results = await launchDataParallel<{ steps: number; parameters: Record<string, number[]> }>(
      new URL('./fixtures/data-parallel-worker.mjs', import.meta.url),
      { workers: 2, data: { features, labels, epochs } },
    );

    const model = new Sequential(
      new Linear(4, 16, { random: createRandomGenerator(1) }),
      new Activation('relu'),
      new Linear(16, 3, { random: createRandomGenerator(2) }),
    );
    const dataset = datasetFromColumns({
      features: { values: Float32Array.from(features), rowLength: 4 },
      labels: Int32Array.from(labels),
    });
    const trainer = new Trainer({
      model,
      task: classificationTask(),
      optimizer: new AdamW(model.trainableParameters(), { learningRate: 0.02 }),
      gradientTransforms: [clipGradientNorm(1)],
    });
    await trainer.fit(createDataLoader(dataset, { batchSize: 12, shuffle: true, seed: 7 }), { epochs });
    for (const result of results) {
      expect(result.steps).toBe(16); // 96 / 12 per epoch
      for (const [name, variable] of model.trainableParameters()) {
        const expected = Array.from(variable.dataSync());
        result.parameters[name]!.forEach((value, index) => {
          expect(Math.abs(value - expected[index]!), `${name}[${index}]`).toBeLessThan(1e-5);
        });
      }
    }
    expect(results[1]!.parameters).toEqual(results[0]!.parameters);
    model.dispose();
  });
});
