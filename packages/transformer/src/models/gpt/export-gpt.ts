import { type ExportManifest, TesseraError, writeExportDirectory } from '@tessera/core';
import {
  TOKENIZER_FILE,
  type TransformerExportOptions,
  transformerExportProducer,
  transformerExportQuantization,
} from '../../export/transformer-export-options.js';
import { ByteLevelBPETokenizer } from '../../tokenizers/byte-level-bpe-tokenizer.js';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import type { GPT } from './gpt.js';

/** The tokenizers a GPT export can carry (stored as `tokenizer.json`, told apart by `type`). */
export type GptTokenizer = CharacterTokenizer | ByteLevelBPETokenizer;

/**
 * Exports a GPT with its tokenizer (character-level, or GPT-2's byte-level BPE with its vocabulary
 * and merges): `loadTransformerExport(directory)` (Node) or
 * `loadTransformerExport('https://…/directory/')` (browser) gives back a model whose logits equal
 * the original's (float32) or stay close to them (int8).
 */
export async function exportGpt(
  directory: string,
  model: GPT,
  tokenizer: GptTokenizer,
  options: TransformerExportOptions = {},
): Promise<ExportManifest> {
  if (!(tokenizer instanceof CharacterTokenizer) && !(tokenizer instanceof ByteLevelBPETokenizer)) {
    throw new TesseraError(
      'E_EXPORT_TOKENIZER',
      'exportGpt stores character and byte-level BPE tokenizers; pass a CharacterTokenizer or a ByteLevelBPETokenizer',
    );
  }
  if (tokenizer.vocabularySize !== model.config.vocabularySize) {
    throw new TesseraError(
      'E_EXPORT_TOKENIZER',
      `the tokenizer has ${tokenizer.vocabularySize} tokens but the model's vocabularySize is ${model.config.vocabularySize}; export the tokenizer the model was trained with`,
    );
  }
  return writeExportDirectory(directory, {
    kind: 'gpt',
    config: model.config,
    tensors: model.stateDict(),
    files: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()) },
    quantization: transformerExportQuantization(options),
    producer: await transformerExportProducer(),
    metadata: options.metadata ?? {},
    overwrite: options.overwrite ?? false,
  });
}
