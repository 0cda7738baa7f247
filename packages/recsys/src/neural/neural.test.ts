import { Adam, computeGradients, initBackend, tf } from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { blockInteractions, referenceRatings } from '../test-helpers.js';
import { DeepFM } from './deepfm.js';
import { FeatureEncoder } from './feature-encoder.js';
import { createInteractionLoader, encodePairs } from './interaction-dataset.js';
import { MatrixFactorization } from './matrix-factorization.js';
import { NeuralRecommender } from './neural-recommender.js';
import { ratingPredictionTask } from './recommendation-tasks.js';
import { WideAndDeep } from './wide-and-deep.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const interactions = blockInteractions(20, 12, 0.6);
const implicitMatrix = RatingMatrix.fromRatings(interactions);
/** Side features: users have a group-revealing "segment" and a gender; items a list of tags. */
const side = {
  users: Object.fromEntries(
    implicitMatrix.users
      .ids()
      .map((id) => [
        id,
        { segment: Number(id.slice(4)) < 10 ? 'first' : 'second', gender: Number(id.slice(4)) % 2 ? 'F' : 'M' },
      ]),
  ),
  items: Object.fromEntries(
    implicitMatrix.items
      .ids()
      .map((id) => [id, { tags: Number(id.slice(4)) % 3 === 0 ? ['odd', 'rare'] : ['common'] }]),
  ),
};

describe('FeatureEncoder', () => {
  it('lays out user, user side fields, item, item side fields in one id space; lists weigh 1/n', () => {
    const encoder = FeatureEncoder.create(implicitMatrix, side);
    expect(encoder.fieldSlots().map((field) => field.name)).toEqual(['user', 'gender', 'segment', 'item', 'tags']);
    expect(encoder.slotCount).toBe(6);
    const user = implicitMatrix.users.index('user3');
    const item = implicitMatrix.items.index('item3');
    const { featureIds, featureValues } = encoder.encode([user], [item]);
    const field = (name: string) => encoder.fields.find((candidate) => candidate.name === name);
    expect(Array.from(featureIds)).toEqual([
      (field('user')?.offset as number) + 1 + user,
      (field('gender')?.offset as number) + 1 + (field('gender')?.vocabulary.indexOf('F') as number) - 1,
      (field('segment')?.offset as number) + (field('segment')?.vocabulary.indexOf('first') as number),
      (field('item')?.offset as number) + 1 + item,
      (field('tags')?.offset as number) + (field('tags')?.vocabulary.indexOf('odd') as number),
      (field('tags')?.offset as number) + (field('tags')?.vocabulary.indexOf('rare') as number),
    ]);
    expect(Array.from(featureValues)).toEqual([1, 1, 1, 1, 0.5, 0.5]);
    expect(encoder.featureCount).toBe((field('tags')?.offset as number) + 4);
    expect(
      FeatureEncoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON()))).encode([user], [item]).featureIds,
    ).toEqual(featureIds);
  });
});

describe('DeepFM', () => {
  it('adds w₀, Σ w_j x_j, the pairwise Σ_{j<k} ⟨v_j, v_k⟩ x_j x_k and the deep tower', () => {
    const encoder = FeatureEncoder.create(implicitMatrix, side);
    const model = new DeepFM({
      featureCount: encoder.featureCount,
      fields: encoder.fieldSlots(),
      embeddingDimension: 4,
      dropout: 0,
    });
    model.eval();
    tf.tidy(() => model.weights.weight.assign(tf.randomNormal(model.weights.weight.shape, 0, 0.3, 'float32', 1)));
    tf.tidy(() => model.bias.assign(tf.scalar(0.7)));
    const users = Int32Array.of(0, 5, 13);
    const items = Int32Array.of(3, 0, 11);
    const { featureIds, featureValues } = encoder.encode(users, items);
    const table = model.embeddings.weight.arraySync() as number[][];
    const weights = (model.weights.weight.arraySync() as number[][]).map((row) => row[0] as number);
    const batch = encodePairs(encoder, users, items);
    const output = model.forward(batch).arraySync() as number[];
    const slots = encoder.slotCount;
    for (let row = 0; row < 3; row++) {
      let expected = 0.7;
      for (let j = 0; j < slots; j++) {
        const id = featureIds[row * slots + j] as number;
        const x = featureValues[row * slots + j] as number;
        expected += (weights[id] as number) * x;
        for (let k = j + 1; k < slots; k++) {
          const other = featureIds[row * slots + k] as number;
          const y = featureValues[row * slots + k] as number;
          const dot = (table[id] as number[]).reduce(
            (total, value, f) => total + value * ((table[other] as number[])[f] as number),
            0,
          );
          expected += dot * x * y;
        }
      }
      // The deep tower reads each field's embedding: the slot's vector, or the weighted sum over a list.
      const pooled = encoder.fieldSlots().flatMap((field) => {
        const vector = [0, 0, 0, 0];
        for (let slot = field.start; slot < field.end; slot++) {
          const id = featureIds[row * slots + slot] as number;
          (table[id] as number[]).forEach((value, f) => {
            vector[f] = (vector[f] as number) + value * (featureValues[row * slots + slot] as number);
          });
        }
        return vector;
      });
      const deep = tf.tidy(() => model.deep.forward(tf.tensor2d([pooled])).dataSync()[0] as number);
      expect(output[row]).toBeCloseTo(expected + deep, 4);
    }
    tf.dispose(batch as never);
    model.dispose();
  });
});

describe('WideAndDeep', () => {
  it('the wide part reads every feature and the item × gender cross id, and nothing else', () => {
    const encoder = FeatureEncoder.create(implicitMatrix, side);
    const fields = encoder.fieldSlots().map((slots) => {
      const field = encoder.fields.find((candidate) => candidate.name === slots.name);
      return { ...slots, offset: field?.offset as number, size: field?.vocabulary.length as number };
    });
    const model = new WideAndDeep({
      featureCount: encoder.featureCount,
      fields,
      crosses: [['item', 'gender']],
      dropout: 0,
    });
    const user = implicitMatrix.users.index('user3');
    const item = implicitMatrix.items.index('item4');
    const batch = encodePairs(encoder, Int32Array.of(user), Int32Array.of(item));
    const { featureIds, featureValues } = encoder.encode([user], [item]);
    const { gradients } = computeGradients(
      [['wide', model.wide.weight]],
      () => tf.sum(model.forward(batch)) as tf.Scalar,
    );
    const gradient = (gradients.wide as tf.Tensor).dataSync();
    const touched = [...gradient.keys()].filter((index) => gradient[index] !== 0);
    const gender = fields.find((field) => field.name === 'gender');
    const itemField = fields.find((field) => field.name === 'item');
    const localItem = 1 + item;
    const localGender = (featureIds[1] as number) - (gender?.offset as number);
    const crossId = encoder.featureCount + localItem * (gender?.size as number) + localGender;
    expect(itemField?.size).toBe(implicitMatrix.itemCount + 1);
    // Padding slots (weight 0) read the field's "unknown" row but pass it no gradient.
    const read = [...featureIds].filter((_, slot) => featureValues[slot] !== 0);
    expect(touched.sort((a, b) => a - b)).toEqual([...new Set([...read, crossId])].sort((a, b) => a - b));
    tf.dispose([batch as never, ...Object.values(gradients)]);
    model.dispose();
    expect(() => new WideAndDeep({ featureCount: encoder.featureCount, fields, crosses: [['item', 'tags']] })).toThrow(
      /E_RECSYS_FEATURES/,
    );
  });
});

describe('MatrixFactorization module through Trainer', () => {
  it('fits ratings with ratingPredictionTask and keeps the tensor count flat across epochs', async () => {
    const matrix = RatingMatrix.fromRatings(referenceRatings());
    const encoder = FeatureEncoder.create(matrix);
    const model = new MatrixFactorization(
      { userCount: matrix.userCount, itemCount: matrix.itemCount, factors: 4 },
      { globalMean: matrix.globalMean },
    );
    const { loader } = createInteractionLoader(matrix, encoder, { objective: 'rating', batchSize: 8, seed: 1 });
    const optimizer = new Adam(model.trainableParameters(), { learningRate: 0.05 });
    const counts: number[] = [];
    const trainer = new Trainer<unknown>({
      model,
      task: ratingPredictionTask() as never,
      optimizer,
      callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    await trainer.fit(loader as never, { epochs: 60 });
    expect(new Set(counts.slice(1)).size).toBe(1);
    const predictions = tf.tidy(() =>
      model.forward(encodePairs(encoder, matrix.userIndices, matrix.itemIndices)).dataSync(),
    );
    let squared = 0;
    let baseline = 0;
    for (let row = 0; row < matrix.ratingCount; row++) {
      squared += ((predictions[row] as number) - (matrix.values[row] as number)) ** 2;
      baseline += (matrix.globalMean - (matrix.values[row] as number)) ** 2;
    }
    // 33 ratings, 8 × 4 + 7 × 4 factors plus biases: training error well below the global mean's.
    expect(squared).toBeLessThan(0.2 * baseline);
    optimizer.dispose();
    model.dispose();
  });
});

describe('NeuralRecommender', () => {
  it.each(['deepfm', 'wide-and-deep', 'matrix-factorization'] as const)(
    '%s learns implicit taste groups, excludes seen items, and leaks no tensors',
    async (architecture) => {
      const model = new NeuralRecommender({
        architecture,
        epochs: 15,
        batchSize: 64,
        learningRate: 0.02,
        embeddingDimension: 8,
        hiddenSizes: [16],
        seed: 3,
      });
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      await model.fit(implicitMatrix, { side, onEpochEnd: () => void counts.push(tf.memory().numTensors) });
      expect(new Set(counts).size).toBe(1);
      expect(model.epochSeconds).toHaveLength(15);
      // Each user gets as many recommendations as they have unseen items of their own group
      // (at most 3): a model that learnt the groups fills them all from the group.
      let inGroup = 0;
      let total = 0;
      for (let user = 0; user < 20; user++) {
        const seen = new Set(
          Array.from(implicitMatrix.itemsOf(implicitMatrix.users.index(`user${user}`)), (item) =>
            implicitMatrix.items.id(item),
          ),
        );
        const ownGroup = Array.from({ length: 6 }, (_, index) => `item${user < 10 ? index : index + 6}`);
        const k = Math.min(3, ownGroup.filter((item) => !seen.has(item)).length);
        if (k === 0) continue;
        for (const { itemId } of model.recommend(`user${user}`, k)) {
          expect(seen.has(itemId)).toBe(false);
          inGroup += ownGroup.includes(itemId) ? 1 : 0;
          total += 1;
        }
      }
      expect(total).toBeGreaterThan(20);
      // A random choice among the unseen items would be in-group ~30% of the time.
      expect(inGroup / total).toBeGreaterThan(0.85);
      const afterTraining = tf.memory().numTensors;
      model.scoreItems(0);
      model.similarItems('item0', 2);
      expect(tf.memory().numTensors).toBe(afterTraining);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(['deepfm', 'wide-and-deep', 'matrix-factorization'] as const)(
    '%s on ratings starts its bias at the mean rating (from 0 it would take thousands of Adam steps to get there)',
    async (architecture) => {
      const matrix = RatingMatrix.fromRatings(referenceRatings());
      const model = new NeuralRecommender({
        architecture,
        objective: 'rating',
        epochs: 1,
        learningRate: 1e-7,
        seed: 1,
      });
      await model.fit(matrix);
      const module = model.model as unknown as { bias?: tf.Variable; globalBias?: tf.Variable };
      const bias = (module.bias ?? module.globalBias)!.dataSync()[0]!;
      expect(matrix.globalMean).toBeGreaterThan(2);
      expect(bias).toBeCloseTo(matrix.globalMean, 4);
      model.dispose();
    },
  );

  it('rejects unknown architectures and objectives', () => {
    expect(() => new NeuralRecommender({ architecture: 'transformer' as never })).toThrow(/E_RECSYS_OPTION/);
    expect(() => new NeuralRecommender({ architecture: 'deepfm', objective: 'clicks' as never })).toThrow(
      /E_RECSYS_OPTION/,
    );
    expect(() => new NeuralRecommender({ architecture: 'deepfm' }).model).toThrow(/E_RECSYS_NOT_FITTED/);
  });
});
