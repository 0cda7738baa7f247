import {
  type ExportLocation,
  type ExportManifest,
  readExportDirectory,
  readExportJson,
  TesseraError,
  tf,
} from '@tessera/core';
import { BertForSequenceClassification } from '../bert/bert.js';
import { GPT } from '../gpt/gpt.js';
import type { GPTConfig } from '../gpt/gpt-config.js';
import { BertTokenizer } from '../tokenizers/bert-tokenizer.js';
import { ByteLevelBPETokenizer, type ByteLevelBPETokenizerJSON } from '../tokenizers/byte-level-bpe-tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character-tokenizer.js';
import {
  type BertClassifierExportConfig,
  type GptTokenizer,
  LABELS_FILE,
  TOKENIZER_FILE,
} from './export-transformer.js';

/** A loaded GPT export: the model (eval mode), its tokenizer and the manifest. */
export interface LoadedGptExport {
  kind: 'gpt';
  model: GPT;
  tokenizer: GptTokenizer;
  manifest: ExportManifest;
}

/** A loaded BERT classifier export, with `classify` for raw texts. */
export interface LoadedBertClassifierExport {
  kind: 'bert-classifier';
  model: BertForSequenceClassification;
  tokenizer: BertTokenizer;
  labels: string[];
  maxLength: number;
  manifest: ExportManifest;
}

export type LoadedTransformerExport = LoadedGptExport | LoadedBertClassifierExport;

/** Builds the model from the config and copies the exported weights in (strictly: every name must match). */
function loadWeights<M extends { loadStateDict(state: Record<string, tf.Tensor>): unknown }>(
  model: M,
  tensors: Record<string, tf.Tensor>,
  location: string,
): M {
  try {
    model.loadStateDict(tensors);
  } catch (error) {
    throw new TesseraError(
      'E_EXPORT_WEIGHTS',
      `the weights in ${location} do not fit the model described by its config.json: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return model;
}

/**
 * Loads a GPT or BERT-classifier export from a directory (Node), a URL / base href (browser, or any
 * HTTP server) or an `ExportSource`, verifying every checksum first. int8 weights are dequantized to
 * float32 on load (tfjs has no int8 matmul). Models are returned in eval mode.
 */
export async function loadTransformerExport(location: ExportLocation): Promise<LoadedTransformerExport> {
  const contents = await readExportDirectory(location, { kinds: ['gpt', 'bert-classifier'] });
  try {
    if (contents.manifest.kind === 'gpt') {
      const json = readExportJson<{ type: string }>(contents, TOKENIZER_FILE);
      const tokenizer: GptTokenizer =
        json.type === 'byte-level-bpe'
          ? ByteLevelBPETokenizer.fromJSON(json as ByteLevelBPETokenizerJSON)
          : CharacterTokenizer.fromJSON(json as { type: string; characters: string[] });
      const model = loadWeights(new GPT(contents.config as GPTConfig), contents.tensors, contents.location);
      model.eval();
      return { kind: 'gpt', model, tokenizer, manifest: contents.manifest };
    }
    const config = contents.config as BertClassifierExportConfig;
    const tokenizer = BertTokenizer.fromJSON(
      readExportJson<{ type: string; vocabulary: string[] }>(contents, TOKENIZER_FILE),
    );
    const labels = readExportJson<string[]>(contents, LABELS_FILE);
    const model = loadWeights(
      new BertForSequenceClassification(config.bert, config.labelCount),
      contents.tensors,
      contents.location,
    );
    model.eval();
    return {
      kind: 'bert-classifier',
      model,
      tokenizer,
      labels,
      maxLength: config.maxLength,
      manifest: contents.manifest,
    };
  } catch (error) {
    tf.dispose(Object.values(contents.tensors).filter((tensor) => !tensor.isDisposed));
    throw error;
  }
}

/** Class probabilities for texts from a loaded BERT classifier: one row per text. */
export function classifyTexts(loaded: LoadedBertClassifierExport, texts: readonly string[]): number[][] {
  const encoding = loaded.tokenizer.encodeBatch(texts, { maxLength: loaded.maxLength, truncation: 'longest_first' });
  return tf.tidy(() => {
    const ids = tf.tensor2d(encoding.inputIds, undefined, 'int32');
    const attentionMask = tf.tensor2d(encoding.attentionMask, undefined, 'int32');
    const tokenTypeIds = tf.tensor2d(encoding.tokenTypeIds, undefined, 'int32');
    const logits = loaded.model.forward(ids, { attentionMask, tokenTypeIds }); // [batch, labels]
    return tf.softmax(logits).arraySync() as number[][];
  });
}
