import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { createDataLoader, DataLoader } from './data-loader.js';
import { datasetFromArray, iterableDataset } from './dataset.js';
import { datasetFromColumns } from './dataset-from-columns.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A loader over the numbers 0 … n − 1 whose batches are plain arrays, to check orders without tensors. */
function indexLoader(n: number, options: ConstructorParameters<typeof DataLoader<number, number[]>>[1] = {}) {
  return new DataLoader(datasetFromArray(Array.from({ length: n }, (_, index) => index)), {
    ...options,
    collate: (examples: number[]) => examples,
  });
}

async function batchesOf<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const batches: T[] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index);
}

describe('DataLoader over a map-style dataset', () => {
  it('visits every example exactly once per epoch, in full batches but the last', async () => {
    const loader = indexLoader(23, { batchSize: 5, shuffle: true, seed: 3 });
    expect(loader.length).toBe(5);
    for (const epoch of [0, 1, 2]) {
      const batches = await batchesOf(loader.iterate(epoch));
      expect(batches.map((batch) => batch.length)).toEqual([5, 5, 5, 5, 3]);
      expect(batches.flat().sort((a, b) => a - b)).toEqual(range(23));
    }
  });

  it('with dropLast, yields only full batches; the dropped tail is the rest of the permutation', async () => {
    const loader = indexLoader(23, { batchSize: 5, shuffle: true, seed: 3, dropLast: true });
    expect(loader.length).toBe(4);
    const batches = await batchesOf(loader.iterate(4));
    expect(batches.map((batch) => batch.length)).toEqual([5, 5, 5, 5]);
    const seen = batches.flat();
    expect(new Set(seen).size).toBe(20);
    const order = Array.from(loader.indexOrder(4));
    expect(seen).toEqual(order.slice(0, 20));
    expect([...seen, ...order.slice(20)].sort((a, b) => a - b)).toEqual(range(23));
    expect(await batchesOf(indexLoader(3, { batchSize: 5, dropLast: true }))).toEqual([]);
  });

  it('keeps dataset order without shuffle', async () => {
    expect(await batchesOf(indexLoader(7, { batchSize: 3 }))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('makes each epoch a function of (seed, epoch): same seed same order, new epoch new order', async () => {
    const first = indexLoader(50, { batchSize: 8, shuffle: true, seed: 11 });
    const second = indexLoader(50, { batchSize: 8, shuffle: true, seed: 11 });
    const otherSeed = indexLoader(50, { batchSize: 8, shuffle: true, seed: 12 });
    const epoch0 = (await batchesOf(first.iterate(0))).flat();
    expect((await batchesOf(second.iterate(0))).flat()).toEqual(epoch0);
    expect((await batchesOf(first.iterate(1))).flat()).not.toEqual(epoch0);
    expect((await batchesOf(otherSeed.iterate(0))).flat()).not.toEqual(epoch0);
    expect(epoch0).not.toEqual(range(50));
  });

  it('advances the epoch on each plain for-await, and setEpoch resumes a run exactly', async () => {
    const loader = indexLoader(20, { batchSize: 4, shuffle: true, seed: 5 });
    const run = [];
    for (let epoch = 0; epoch < 3; epoch++) run.push((await batchesOf(loader)).flat());
    expect(loader.epoch).toBe(3);
    expect(new Set(run.map((order) => order.join())).size).toBe(3);

    const resumed = indexLoader(20, { batchSize: 4, shuffle: true, seed: 5 });
    resumed.setEpoch(2);
    expect((await batchesOf(resumed)).flat()).toEqual(run[2]);
    const startedLate = indexLoader(20, { batchSize: 4, shuffle: true, seed: 5, epoch: 1 });
    expect((await batchesOf(startedLate)).flat()).toEqual(run[1]);
    expect((await batchesOf(loader.iterate(0))).flat()).toEqual(run[0]);
    expect(loader.epoch).toBe(3); // iterate(e) leaves the counter alone
  });

  it('puts each example first about equally often across epochs (a uniform shuffle)', () => {
    const loader = indexLoader(5, { shuffle: true, seed: 9 });
    const firstCounts = new Array(5).fill(0);
    for (let epoch = 0; epoch < 5000; epoch++) firstCounts[loader.indexOrder(epoch)[0] as number]++;
    // Expected 1000 each; 6 standard deviations (sqrt(5000 · 0.2 · 0.8) ≈ 28) is ~170.
    for (const count of firstCounts) expect(Math.abs(count - 1000)).toBeLessThan(170);
  });

  it('collates column datasets to tensors: float32 features, int32 labels from an Int32Array', async () => {
    const dataset = datasetFromColumns({
      features: { values: Float32Array.from(range(40)), rowLength: 4 },
      labels: Int32Array.from(range(10), (index) => index % 3),
      weights: range(10),
    });
    const loader = createDataLoader(dataset, { batchSize: 4, dtypes: { weights: 'int32' } });
    const batches = await batchesOf(loader);
    expect(batches.map((batch) => batch.features.shape)).toEqual([
      [4, 4],
      [4, 4],
      [2, 4],
    ]);
    const [first] = batches;
    expect(first?.features.dtype).toBe('float32');
    expect(first?.labels.dtype).toBe('int32');
    expect(first?.labels.shape).toEqual([4]);
    expect(Array.from(first?.labels.dataSync() ?? [])).toEqual([0, 1, 2, 0]);
    expect(first?.weights.dtype).toBe('int32');
    expect(first?.features.arraySync()[1]).toEqual([4, 5, 6, 7]);
    tf.dispose(batches);
  });

  it('awaits asynchronous examples and overlaps fetching with the consumer', async () => {
    const fetched: number[] = [];
    const dataset = {
      length: 6,
      async get(index: number) {
        fetched.push(index);
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { x: index };
      },
    };
    const loader = new DataLoader(dataset, {
      batchSize: 2,
      collate: (examples) => examples.map((example) => example.x),
    });
    const seenWhenConsuming: number[] = [];
    const batches = [];
    for await (const batch of loader) {
      seenWhenConsuming.push(fetched.length);
      batches.push(batch);
    }
    expect(batches).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(seenWhenConsuming).toEqual([4, 6, 6]); // the next batch was already requested
  });

  it('keeps tf.memory().numTensors flat over epochs when the consumer disposes each batch', async () => {
    const dataset = datasetFromColumns({
      features: { values: new Float32Array(37 * 3).fill(1), rowLength: 3 },
      labels: new Int32Array(37),
    });
    const loader = new DataLoader(dataset, { batchSize: 8, shuffle: true, seed: 1 });
    const before = tf.memory().numTensors;
    let batches = 0;
    for (let epoch = 0; epoch < 4; epoch++) {
      for await (const batch of loader) {
        batches++;
        const loss = tf.tidy(() => tf.sum(tf.mul(batch.features, tf.cast(tf.expandDims(batch.labels, 1), 'float32'))));
        loss.dispose();
        tf.dispose(batch);
      }
    }
    for await (const batch of loader) {
      tf.dispose(batch);
      break; // stopping early must leave nothing behind either
    }
    expect(batches).toBe(4 * 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails clearly on bad options', () => {
    const dataset = datasetFromArray([1, 2, 3]);
    for (const batchSize of [0, -2, 1.5, Number.NaN]) {
      expect(() => new DataLoader(dataset, { batchSize })).toThrow(
        new RegExp(
          `E_DATA_BATCH_SIZE: batchSize must be a positive integer, got ${batchSize}; pass e.g. \\{ batchSize: 32 \\}`,
        ),
      );
    }
    expect(() => new DataLoader(dataset, { seed: 0.5 })).toThrow(/E_DATA_SEED/);
    expect(() => new DataLoader(dataset, { epoch: -1 })).toThrow(/E_DATA_EPOCH/);
    expect(() => new DataLoader(dataset).setEpoch(1.5)).toThrow(/E_DATA_EPOCH/);
    expect(() => new DataLoader(dataset, { shuffleBufferSize: 0 })).toThrow(/E_DATA_BUFFER_SIZE/);
    expect(() => new DataLoader(dataset, { collate: (examples) => examples, dtypes: { '': 'int32' } })).toThrow(
      /E_DATA_OPTIONS/,
    );
    expect(() => new DataLoader({ length: -1, get: () => 0 })).toThrow(/E_DATA_DATASET/);
    expect(() => new DataLoader({} as never)).toThrow(/E_DATA_DATASET/);
  });
});

describe('DataLoader over an iterable dataset', () => {
  const stream = (n: number, length?: number) =>
    iterableDataset(
      async function* () {
        for (let index = 0; index < n; index++) yield index;
      },
      length === undefined ? {} : { length },
    );
  const streamLoader = (n: number, options: ConstructorParameters<typeof DataLoader<number, number[]>>[1] = {}) =>
    new DataLoader(stream(n), { ...options, collate: (examples: number[]) => examples });

  it('batches the stream in order, with an unknown length unless the dataset knows its own', async () => {
    const loader = streamLoader(7, { batchSize: 3 });
    expect(loader.length).toBeUndefined();
    expect(await batchesOf(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(await batchesOf(streamLoader(7, { batchSize: 3, dropLast: true }))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(new DataLoader(stream(7, 7), { batchSize: 3 }).length).toBe(3);
    expect(new DataLoader(stream(7, 7), { batchSize: 3, dropLast: true }).length).toBe(2);
  });

  it('shuffles through a seeded buffer: a permutation per epoch, repeatable, new each epoch', async () => {
    const loader = streamLoader(40, { batchSize: 6, shuffle: true, seed: 2, shuffleBufferSize: 100 });
    const epoch0 = (await batchesOf(loader.iterate(0))).flat();
    expect([...epoch0].sort((a, b) => a - b)).toEqual(range(40));
    expect(epoch0).not.toEqual(range(40));
    expect(
      (
        await batchesOf(streamLoader(40, { batchSize: 6, shuffle: true, seed: 2, shuffleBufferSize: 100 }).iterate(0))
      ).flat(),
    ).toEqual(epoch0);
    expect((await batchesOf(loader.iterate(1))).flat()).not.toEqual(epoch0);
  });

  it('moves an example at most bufferSize places earlier, and a buffer of 1 keeps stream order', async () => {
    const bufferSize = 4;
    const order = (
      await batchesOf(streamLoader(60, { batchSize: 7, shuffle: true, seed: 8, shuffleBufferSize: bufferSize }))
    ).flat();
    expect([...order].sort((a, b) => a - b)).toEqual(range(60));
    order.forEach((example, position) => {
      expect(position).toBeGreaterThanOrEqual(example - bufferSize);
    });
    expect(order).not.toEqual(range(60));
    const unshuffled = (
      await batchesOf(streamLoader(10, { batchSize: 4, shuffle: true, shuffleBufferSize: 1 }))
    ).flat();
    expect(unshuffled).toEqual(range(10));
  });

  it('collates streamed examples to tensors and keeps memory flat', async () => {
    const examples = iterableDataset(function* () {
      for (let index = 0; index < 10; index++) yield { x: [index, index], y: index % 2 };
    });
    const loader = new DataLoader(examples, {
      batchSize: 4,
      shuffle: true,
      shuffleBufferSize: 3,
      dtypes: { y: 'int32' },
    });
    const before = tf.memory().numTensors;
    const shapes = [];
    for await (const batch of loader) {
      shapes.push([batch.x.shape, batch.y.dtype]);
      tf.dispose(batch);
    }
    expect(shapes).toEqual([
      [[4, 2], 'int32'],
      [[4, 2], 'int32'],
      [[2, 2], 'int32'],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a generator object, which a second epoch would find exhausted', () => {
    async function* once() {
      yield 1;
    }
    expect(() => new DataLoader(once())).toThrow(/E_DATA_ITERABLE: the dataset is a generator object.*iterableDataset/);
    expect(() => streamLoader(3).indexOrder(0)).toThrow(/E_DATA_ITERABLE/);
  });
});

describe('DataLoader shards for data-parallel workers', () => {
  it('splits every batch of the same shuffled epoch into contiguous shares that add up to it', async () => {
    for (const dropLast of [false, true]) {
      const whole = await batchesOf(indexLoader(20, { batchSize: 8, shuffle: true, seed: 3, dropLast }).iterate(1));
      const shards = await Promise.all(
        [0, 1, 2].map((rank) =>
          batchesOf(
            indexLoader(20, { batchSize: 8, shuffle: true, seed: 3, dropLast, shard: { rank, worldSize: 3 } }).iterate(
              1,
            ),
          ),
        ),
      );
      // 20 = 8 + 8 + 4: the 4-example tail has one for each of the 3 workers (and one more for rank 0).
      expect(whole.map((batch) => batch.length)).toEqual(dropLast ? [8, 8] : [8, 8, 4]);
      whole.forEach((batch, index) => {
        expect(shards.flatMap((batches) => batches[index]!)).toEqual(batch);
      });
      expect(shards[0]!.map((batch) => batch.length)).toEqual(dropLast ? [3, 3] : [3, 3, 2]);
      expect(shards[2]!.map((batch) => batch.length)).toEqual(dropLast ? [2, 2] : [2, 2, 1]);
    }
  });

  it('drops a tail smaller than the worker count on every worker, so all take the same number of steps', async () => {
    for (const rank of [0, 4]) {
      const loader = indexLoader(19, { batchSize: 8, shard: { rank, worldSize: 5 } }); // tail of 3 < 5 workers
      expect(loader.length).toBe(2);
      expect((await batchesOf(loader.iterate(0))).length).toBe(2);
      const stream = new DataLoader(
        iterableDataset(async function* () {
          for (let index = 0; index < 19; index++) yield index;
        }),
        { batchSize: 8, shard: { rank, worldSize: 5 }, collate: (examples: number[]) => examples },
      );
      const streamed = await batchesOf(stream.iterate(0));
      expect(streamed).toEqual(await batchesOf(loader.iterate(0)));
    }
  });

  it('refuses a rank outside the group and batches smaller than the group', () => {
    expect(() => indexLoader(10, { batchSize: 4, shard: { rank: 2, worldSize: 2 } })).toThrow(
      /E_DATA_SHARD: shard needs/,
    );
    expect(() => indexLoader(10, { batchSize: 2, shard: { rank: 0, worldSize: 3 } })).toThrow(
      /E_DATA_SHARD: batchSize 2 is smaller than the 3 workers/,
    );
  });
});
