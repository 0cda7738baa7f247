import {
  type ExportContents,
  type ExportLocation,
  type ExportManifest,
  readExportDirectory,
  readExportJson,
  tf,
} from '@tessera/core';
import { loadExportWeights } from '../../export/load-export-weights.js';
import { TOKENIZER_FILE } from '../../export/transformer-export-options.js';
import { ByteLevelBPETokenizer, type ByteLevelBPETokenizerJSON } from '../../tokenizers/byte-level-bpe-tokenizer.js';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import type { GptTokenizer } from './export-gpt.js';
import { GPT } from './gpt.js';
import type { GPTConfig } from './gpt-config.js';

/** A loaded GPT export: the model (eval mode), its tokenizer and the manifest. */
export interface LoadedGptExport {
  kind: 'gpt';
  model: GPT;
  tokenizer: GptTokenizer;
  manifest: ExportManifest;
}

/** Builds the GPT and its tokenizer from a read `gpt` export; takes ownership of `contents.tensors`. */
export function gptFromExportContents(contents: ExportContents): LoadedGptExport {
  try {
    const json = readExportJson<{ type: string }>(contents, TOKENIZER_FILE);
    const tokenizer: GptTokenizer =
      json.type === 'byte-level-bpe'
        ? ByteLevelBPETokenizer.fromJSON(json as ByteLevelBPETokenizerJSON)
        : CharacterTokenizer.fromJSON(json as { type: string; characters: string[] });
    const model = loadExportWeights(new GPT(contents.config as GPTConfig), contents.tensors, contents.location);
    model.eval();
    return { kind: 'gpt', model, tokenizer, manifest: contents.manifest };
  } catch (error) {
    tf.dispose(Object.values(contents.tensors).filter((tensor) => !tensor.isDisposed));
    throw error;
  }
}

/** Loads a `gpt` export (any other kind fails with E_EXPORT_KIND); see `loadTransformerExport`. */
export async function loadGptExport(location: ExportLocation): Promise<LoadedGptExport> {
  return gptFromExportContents(await readExportDirectory(location, { kinds: ['gpt'] }));
}
