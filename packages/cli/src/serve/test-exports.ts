import { join } from 'node:path';
import { createRandomGenerator } from '@tessera/core';
import {
  BertForSequenceClassification,
  BertTokenizer,
  bertConfig,
  CharacterTokenizer,
  exportBertClassifier,
  exportGpt,
  GPT,
  gptConfig,
} from '@tessera/transformer';

/** Tiny exports for the server tests (untrained: the tests check the HTTP layer, not the text). */

export const TEST_TEXT = 'To be, or not to be, that is the question.\n';

export async function writeTinyGptExport(directory: string, quantization?: 'int8'): Promise<string> {
  const tokenizer = CharacterTokenizer.fromText(TEST_TEXT);
  const model = new GPT(
    gptConfig('nanogpt-baby', {
      vocabularySize: tokenizer.vocabularySize,
      blockSize: 16,
      layerCount: 1,
      headCount: 2,
      embeddingSize: 16,
    }),
    { random: createRandomGenerator(1) },
  );
  const path = join(directory, quantization === undefined ? 'gpt' : `gpt-${quantization}`);
  await exportGpt(path, model, tokenizer, quantization === undefined ? {} : { quantization });
  model.dispose();
  return path;
}

export async function writeTinyBertExport(directory: string): Promise<string> {
  const vocabulary = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', 'movie', 'very'];
  const model = new BertForSequenceClassification(
    bertConfig('bert-tiny', {
      vocabularySize: vocabulary.length,
      hiddenSize: 16,
      headCount: 2,
      intermediateSize: 32,
      layerCount: 1,
      maxPositions: 16,
      dropout: 0,
    }),
    2,
    { random: createRandomGenerator(2) },
  );
  const path = join(directory, 'bert');
  await exportBertClassifier(path, model, new BertTokenizer(vocabulary), ['negative', 'positive']);
  model.dispose();
  return path;
}
