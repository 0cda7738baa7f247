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

/** Text with what the chat template writes (`role: ` lines), for the OpenAI chat tests. */
export const CHAT_TEST_TEXT = `system: user: assistant: ${TEST_TEXT}`;

/** A tiny GPT export with a character tokenizer over `text`, written to `<directory>/<name>`. */
export async function writeTinyGptExport(
  directory: string,
  quantization?: 'int8',
  { text = TEST_TEXT, name }: { text?: string; name?: string } = {},
): Promise<string> {
  const tokenizer = CharacterTokenizer.fromText(text);
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
  const path = join(directory, name ?? (quantization === undefined ? 'gpt' : `gpt-${quantization}`));
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
