import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, initBackend } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTransformerExport } from '../../export/load-transformer-export.js';
import { BertForSequenceClassification } from './bert.js';
import { bertConfig } from './bert-config.js';
import { huggingFaceVocabulary } from './bert-test-vocabularies.js';
import { BertTokenizer } from './bert-tokenizer.js';
import { exportBertClassifier } from './export-bert-classifier.js';
import { classifyTexts } from './load-bert-classifier-export.js';

const root = join(tmpdir(), `tessera-bert-classifier-export-${process.pid}`);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('BERT classifier export', () => {
  it('round-trips with tokenizer and labels: identical probabilities', async () => {
    const tokenizerBert = new BertTokenizer(huggingFaceVocabulary);
    const bert = bertConfig('bert-tiny', {
      vocabularySize: huggingFaceVocabulary.length,
      hiddenSize: 32,
      headCount: 2,
      intermediateSize: 64,
      maxPositions: 16,
      dropout: 0,
    });
    const classifier = new BertForSequenceClassification(bert, 3, { random: createRandomGenerator(2) }).eval();
    await expect(
      exportBertClassifier(join(root, 'bert'), classifier, tokenizerBert, ['negative', 'positive']),
    ).rejects.toThrow(/E_EXPORT_LABELS/);
    await exportBertClassifier(join(root, 'bert'), classifier, tokenizerBert, ['negative', 'neutral', 'positive']);
    const loaded = await loadTransformerExport(join(root, 'bert'));
    if (loaded.kind !== 'bert-classifier') throw new Error('expected a BERT classifier');
    expect(loaded.labels).toEqual(['negative', 'neutral', 'positive']);
    const texts = ['unwanted running', 'lowest , want'];
    const original = classifyTexts({ ...loaded, model: classifier }, texts);
    const restored = classifyTexts(loaded, texts);
    expect(restored).toEqual(original);
    expect(restored[0]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    loaded.model.dispose();
    classifier.dispose();
  });
});
