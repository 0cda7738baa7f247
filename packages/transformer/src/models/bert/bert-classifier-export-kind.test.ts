import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, type ExportKind, findExportKind, initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../index.js'; // the package entry registers its export kinds
import { fakeServeContext, testServeLimits } from '../../serve/fake-serve-context.js';
import { BertForSequenceClassification } from './bert.js';
import { bertConfig } from './bert-config.js';
import { huggingFaceVocabulary } from './bert-test-vocabularies.js';
import { BertTokenizer } from './bert-tokenizer.js';
import { exportBertClassifier } from './export-bert-classifier.js';
import type { LoadedBertClassifierExport } from './load-bert-classifier-export.js';

const directory = join(tmpdir(), `tessera-bert-classifier-export-kind-${process.pid}`);
const labels = ['negative', 'neutral', 'positive'];
const texts = ['unwanted running', 'lowest , want', 'the want'];
const tokenizer = new BertTokenizer(huggingFaceVocabulary);
const config = bertConfig('bert-tiny', {
  vocabularySize: huggingFaceVocabulary.length,
  hiddenSize: 32,
  headCount: 2,
  intermediateSize: 64,
  maxPositions: 16,
  dropout: 0,
});
let classifier: BertForSequenceClassification;
let kind: ExportKind<LoadedBertClassifierExport>;
let loaded: LoadedBertClassifierExport;

/** Class probabilities of the original classifier: softmax of its logits, computed here. */
function referenceProbabilities(inputs: readonly string[]): number[][] {
  const encoding = tokenizer.encodeBatch(inputs, { maxLength: 16, truncation: 'longest_first' });
  return tf.tidy(() => {
    const logits = classifier.forward(tf.tensor2d(encoding.inputIds, undefined, 'int32'), {
      attentionMask: tf.tensor2d(encoding.attentionMask, undefined, 'int32'),
      tokenTypeIds: tf.tensor2d(encoding.tokenTypeIds, undefined, 'int32'),
    });
    return (logits.arraySync() as number[][]).map((row) => {
      const exponentials = row.map((value) => Math.exp(value - Math.max(...row)));
      const total = exponentials.reduce((sum, value) => sum + value, 0);
      return exponentials.map((value) => value / total);
    });
  });
}

/** The labels of one row by falling probability. */
function ranked(row: number[], count = labels.length) {
  return row
    .map((probability, index) => ({ label: labels[index] as string, probability }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, count);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  classifier = new BertForSequenceClassification(config, 3, { random: createRandomGenerator(2) }).eval();
  await exportBertClassifier(directory, classifier, tokenizer, labels);
  kind = findExportKind('bert-classifier') as unknown as ExportKind<LoadedBertClassifierExport>;
  loaded = await kind.load(directory);
});

afterAll(async () => {
  kind.dispose(loaded);
  classifier.dispose();
  await rm(directory, { recursive: true, force: true });
});

describe('the bert-classifier export kind', () => {
  it('is registered by importing the package, with POST /v1/classify', () => {
    expect(kind).toBeDefined();
    expect(kind.packageName).toBe('@tessera/transformer');
    expect(kind.predictInputs).toBe('texts');
    expect(kind.routes.map((route) => `${route.method} ${route.path}`)).toEqual(['POST /v1/classify']);
  });

  it('loads an exportBertClassifier directory; describe shows the encoder config, labels and maxLength', () => {
    expect(loaded.kind).toBe('bert-classifier');
    expect(kind.describe(loaded)).toEqual({ ...config, labels, maxLength: 16 });
  });

  it('sizes the body schema with the server limits, as the classify route did for texts', () => {
    expect(kind.routes[0]!.bodySchema(loaded, { ...testServeLimits, maxBatch: 4, maxTextCharacters: 50 })).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['texts'],
      properties: {
        texts: {
          type: 'array',
          minItems: 1,
          maxItems: 4,
          items: { type: 'string', minLength: 1, maxLength: 50 },
        },
        top: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    });
  });

  it('answers {predictions: [[{label, probability}]]}: every label by falling probability, in the queue', async () => {
    const context = fakeServeContext();
    const answer = (await kind.routes[0]!.handle(loaded, { texts }, context)) as {
      predictions: Array<Array<{ label: string; probability: number }>>;
    };
    const expected = referenceProbabilities(texts).map((row) => ranked(row));
    expect(answer.predictions).toHaveLength(texts.length);
    answer.predictions.forEach((prediction, i) => {
      expect(prediction.map(({ label }) => label)).toEqual(expected[i]!.map(({ label }) => label));
      prediction.forEach(({ probability }, j) => {
        expect(probability).toBeCloseTo(expected[i]![j]!.probability, 5);
      });
      expect(prediction.reduce((sum, { probability }) => sum + probability, 0)).toBeCloseTo(1, 5);
    });
    expect(context.counts).toEqual({ runs: 1, acquired: 0, released: 0 });
  });

  it('`top` keeps the most likely labels', async () => {
    const answer = (await kind.routes[0]!.handle(loaded, { texts, top: 1 }, fakeServeContext())) as {
      predictions: Array<Array<{ label: string }>>;
    };
    const expected = referenceProbabilities(texts).map((row) => ranked(row, 1).map(({ label }) => label));
    expect(answer.predictions.map((prediction) => prediction.map(({ label }) => label))).toEqual(expected);
  });

  it('predict gives the top labels per text, summarised as "label 12.3%"', async () => {
    const predictions = await kind.predict!(loaded, texts.slice(0, 2), { top: 2 });
    const expected = referenceProbabilities(texts.slice(0, 2)).map((row) => ranked(row, 2));
    expect(predictions.map(({ input }) => input)).toEqual(texts.slice(0, 2));
    predictions.forEach((prediction, i) => {
      const top = expected[i]!;
      expect(prediction.summary).toBe(
        top.map(({ label, probability }) => `${label} ${(100 * probability).toFixed(1)}%`).join(', '),
      );
      expect((prediction.value as Array<{ label: string }>).map(({ label }) => label)).toEqual(
        top.map(({ label }) => label),
      );
    });
    expect(await kind.predict!(loaded, [], {})).toEqual([]);
  });

  it('keeps tf.memory().numTensors flat over repeated requests', async () => {
    const context = fakeServeContext();
    await kind.routes[0]!.handle(loaded, { texts }, context);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await kind.routes[0]!.handle(loaded, { texts, top: 2 }, context);
      await kind.predict!(loaded, texts, {});
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the gpt kind refuses a bert-classifier export', async () => {
    await expect(findExportKind('gpt')!.load(directory)).rejects.toThrow(/E_EXPORT_KIND/);
  });
});
