import { type ExportManifest, TesseraError, writeExportDirectory } from '@tessera/core';
import {
  TOKENIZER_FILE,
  type TransformerExportOptions,
  transformerExportProducer,
  transformerExportQuantization,
} from '../../export/transformer-export-options.js';
import type { BertForSequenceClassification } from './bert.js';
import type { BertConfig } from './bert-config.js';
import type { BertTokenizer } from './bert-tokenizer.js';

/** The label names of a BERT classifier export, in output order. */
export const LABELS_FILE = 'labels.json';

/** The config a BERT classifier export stores: the encoder's architecture plus the head. */
export interface BertClassifierExportConfig {
  bert: BertConfig;
  labelCount: number;
  /** Inputs longer than this are truncated when classifying (default: the model's maxPositions). */
  maxLength: number;
}

/** Exports a BERT sequence classifier with its WordPiece tokenizer and label names. */
export async function exportBertClassifier(
  directory: string,
  model: BertForSequenceClassification,
  tokenizer: BertTokenizer,
  labels: readonly string[],
  options: TransformerExportOptions & { maxLength?: number } = {},
): Promise<ExportManifest> {
  const labelCount = model.classifier.outFeatures;
  if (labels.length !== labelCount) {
    throw new TesseraError(
      'E_EXPORT_LABELS',
      `${labels.length} label names given for a classifier with ${labelCount} outputs; pass one name per class`,
    );
  }
  const config: BertClassifierExportConfig = {
    bert: model.bert.config,
    labelCount,
    maxLength: options.maxLength ?? model.bert.config.maxPositions,
  };
  return writeExportDirectory(directory, {
    kind: 'bert-classifier',
    config,
    tensors: model.stateDict(),
    files: { [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()), [LABELS_FILE]: JSON.stringify(labels) },
    quantization: transformerExportQuantization(options),
    producer: await transformerExportProducer(),
    metadata: options.metadata ?? {},
    overwrite: options.overwrite ?? false,
  });
}
