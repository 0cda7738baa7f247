import { AdamW, createDataLoader, createRandomGenerator, datasetFromArray, initBackend, tf } from '@tessera/core';
import { loadPretrainedWeights, Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert, BertForMaskedLanguageModeling, BertForSequenceClassification } from './bert.js';
import { bertConfig } from './bert-config.js';
import { maskedLanguageModelingTask, maskTokens } from './masked-language-modeling.js';
import { sequenceClassificationTask } from './sequence-classification.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const config = bertConfig('bert-tiny', {
  vocabularySize: 20,
  hiddenSize: 32,
  headCount: 2,
  intermediateSize: 64,
  maxPositions: 16,
  dropout: 0,
});
const [PAD, CLS, SEP, MASK] = [0, 1, 2, 3];

describe('BERT', () => {
  it('gives [batch, time, hidden] states, ignores padded positions under the attention mask', async () => {
    const bert = new Bert(config, { random: createRandomGenerator(1) }).eval();
    const mask = tf.tensor2d([[1, 1, 1, 1, 0, 0]]);
    const a = bert.forward(tf.tensor2d([[CLS, 5, 6, SEP, PAD, PAD]], undefined, 'int32'), { attentionMask: mask });
    const b = bert.forward(tf.tensor2d([[CLS, 5, 6, SEP, 9, 11]], undefined, 'int32'), { attentionMask: mask });
    expect(a.shape).toEqual([1, 6, 32]);
    const pooledA = Array.from(await bert.pool(a).data());
    const pooledB = Array.from(await bert.pool(b).data());
    expect(Math.max(...pooledA.map((value, i) => Math.abs(value - (pooledB[i] as number))))).toBeLessThan(1e-6);
    expect(new BertForMaskedLanguageModeling(config).forward(tf.zeros([2, 6], 'int32')).shape).toEqual([2, 6, 20]);
    expect(new BertForSequenceClassification(config, 3).forward(tf.zeros([2, 6], 'int32')).shape).toEqual([2, 3]);
  });

  it('masks 15% of non-special tokens: 80% [MASK], 10% random, 10% unchanged; labels only there', () => {
    const ids = Int32Array.from({ length: 20_000 }, (_, i) => (i % 50 === 0 ? CLS : 4 + (i % 16)));
    const { inputIds, labels } = maskTokens(ids, {
      maskTokenId: MASK,
      vocabularySize: 20,
      specialTokenIds: [PAD, CLS, SEP],
      random: createRandomGenerator(3),
    });
    const selected = [...labels.keys()].filter((i) => labels[i] !== -100);
    const eligible = ids.filter((id) => id !== CLS).length;
    expect(Math.abs(selected.length / eligible - 0.15)).toBeLessThan(0.01);
    expect(selected.every((i) => ids[i] !== CLS && labels[i] === ids[i])).toBe(true);
    const masked = selected.filter((i) => inputIds[i] === MASK).length / selected.length;
    const unchanged = selected.filter((i) => inputIds[i] === ids[i]).length / selected.length;
    expect(Math.abs(masked - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(unchanged - 0.1 - 0.1 / 20)).toBeLessThan(0.03); // a random token can equal the original
    const again = maskTokens(ids, {
      maskTokenId: MASK,
      vocabularySize: 20,
      specialTokenIds: [PAD, CLS, SEP],
      random: createRandomGenerator(3),
    });
    expect(Array.from(again.inputIds)).toEqual(Array.from(inputIds));
  });

  it('pretrains with masked LM, then fine-tunes a classifier from the pretrained encoder', async () => {
    const random = createRandomGenerator(4);
    // Sentences of one of two "topics": tokens 4–11 or 12–19; the label is the topic.
    const sentences = Array.from({ length: 96 }, (_, i) => {
      const topic = i % 2;
      const words = Array.from({ length: 8 }, () => 4 + topic * 8 + random.nextInt(8));
      return { ids: [CLS, ...words, SEP], topic };
    });
    const maskOptions = {
      maskTokenId: MASK,
      vocabularySize: 20,
      specialTokenIds: [PAD, CLS, SEP],
      random: createRandomGenerator(5),
    };
    const mlmData = datasetFromArray(sentences.map(({ ids }) => maskTokens(ids, maskOptions)));
    const pretraining = new BertForMaskedLanguageModeling(config, { random: createRandomGenerator(6) });
    const pretrainer = new Trainer({
      model: pretraining,
      task: maskedLanguageModelingTask(),
      optimizer: new AdamW(pretraining.trainableParameters(), { learningRate: 3e-3 }),
    });
    const mlmLoader = createDataLoader(mlmData, { batchSize: 16, shuffle: true, seed: 1 });
    const before = await pretrainer.evaluate(mlmLoader);
    const tensors = tf.memory().numTensors;
    await pretrainer.fit(mlmLoader, { maxSteps: 40 });
    // AdamW keeps two slots per parameter that received a gradient; the pooler is unused by masked LM.
    expect(tf.memory().numTensors).toBe(tensors + 2 * (pretraining.namedParameters().length - 2));
    expect((await pretrainer.evaluate(mlmLoader)).loss).toBeLessThan(0.8 * before.loss);

    const classifier = new BertForSequenceClassification(config, 2, { random: createRandomGenerator(7) });
    const report = await loadPretrainedWeights(classifier, pretraining.stateDict());
    expect(report.loaded.every((name) => name.startsWith('bert.'))).toBe(true);
    expect(report.loaded).toHaveLength(classifier.bert.namedParameters().length);
    const labelled = datasetFromArray(
      sentences.map(({ ids, topic }) => ({
        inputIds: Int32Array.from(ids),
        labels: Int32Array.of(topic)[0] as number,
      })),
    );
    const fineTuner = new Trainer({
      model: classifier,
      task: sequenceClassificationTask(),
      optimizer: new AdamW(classifier.trainableParameters(), { learningRate: 3e-3 }),
    });
    await fineTuner.fit(
      createDataLoader(labelled, { batchSize: 16, shuffle: true, seed: 2, dtypes: { labels: 'int32' } }),
      { maxSteps: 30 },
    );
    const { metrics } = await fineTuner.evaluate(
      createDataLoader(labelled, { batchSize: 32, dtypes: { labels: 'int32' } }),
    );
    expect(metrics.accuracy).toBeGreaterThan(0.9);
    // predict gives the logits of every example, in order: [examples, labels].
    const logits = await fineTuner.predict(createDataLoader(labelled, { batchSize: 32, dtypes: { labels: 'int32' } }));
    expect(logits.shape).toEqual([sentences.length, 2]);
    const labels = tf.argMax(logits, -1);
    const predicted = Array.from(await labels.data());
    tf.dispose([logits, labels]);
    const correct = predicted.filter((label, index) => label === sentences[index]?.topic).length;
    expect(correct / sentences.length).toBeCloseTo(metrics.accuracy as number, 6);
  });
});
