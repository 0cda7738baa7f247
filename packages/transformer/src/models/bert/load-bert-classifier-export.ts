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
import { BertForSequenceClassification } from './bert.js';
import { BertTokenizer } from './bert-tokenizer.js';
import { type BertClassifierExportConfig, LABELS_FILE } from './export-bert-classifier.js';

/** A loaded BERT classifier export, with `classify` for raw texts. */
export interface LoadedBertClassifierExport {
  kind: 'bert-classifier';
  model: BertForSequenceClassification;
  tokenizer: BertTokenizer;
  labels: string[];
  maxLength: number;
  manifest: ExportManifest;
}

/** Builds the classifier, tokenizer and labels from a read `bert-classifier` export; takes ownership of `contents.tensors`. */
export function bertClassifierFromExportContents(contents: ExportContents): LoadedBertClassifierExport {
  try {
    const config = contents.config as BertClassifierExportConfig;
    const tokenizer = BertTokenizer.fromJSON(
      readExportJson<{ type: string; vocabulary: string[] }>(contents, TOKENIZER_FILE),
    );
    const labels = readExportJson<string[]>(contents, LABELS_FILE);
    const model = loadExportWeights(
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

/** Loads a `bert-classifier` export (any other kind fails with E_EXPORT_KIND); see `loadTransformerExport`. */
export async function loadBertClassifierExport(location: ExportLocation): Promise<LoadedBertClassifierExport> {
  return bertClassifierFromExportContents(await readExportDirectory(location, { kinds: ['bert-classifier'] }));
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
