import {
  type ExportManifest,
  findPackageVersion,
  type QuantizationRule,
  TesseraError,
  writeExportDirectory,
} from '@tessera/core';
import type { BertForSequenceClassification } from '../bert/bert.js';
import type { BertConfig } from '../bert/bert-config.js';
import type { GPT } from '../gpt/gpt.js';
import type { BertTokenizer } from '../tokenizers/bert-tokenizer.js';
import { ByteLevelBPETokenizer } from '../tokenizers/byte-level-bpe-tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character-tokenizer.js';

/** The tokenizers a GPT export can carry (stored as `tokenizer.json`, told apart by `type`). */
export type GptTokenizer = CharacterTokenizer | ByteLevelBPETokenizer;

export const TOKENIZER_FILE = 'tokenizer.json';
export const LABELS_FILE = 'labels.json';

/** Options shared by the transformer exporters. */
export interface TransformerExportOptions {
  /** `'int8'`: weight matrices and embedding tables as int8 with per-channel scales (~4x smaller). */
  quantization?: 'int8';
  /** With int8, also quantize embedding tables (per row; default true). */
  quantizeEmbeddings?: boolean;
  /** Free-form facts to keep in the manifest (e.g. validation loss). */
  metadata?: Record<string, unknown>;
  /** Replace an existing export directory (default false). */
  overwrite?: boolean;
}

/**
 * Int8 rule for transformers: weight matrices per output channel (last axis of a Linear weight
 * [in, out]); embedding tables [rows, embedding] per row (axis 0): each token's vector gets its own
 * scale, which also suits a tied output head (its output channels are the rows). Biases and
 * LayerNorm parameters (vectors) stay float32.
 */
export function transformerQuantizationRule(quantizeEmbeddings = true): QuantizationRule {
  return (name, tensor) => {
    if (tensor.dtype !== 'float32' || tensor.rank < 2 || tensor.size < 1024) return undefined;
    if (/[eE]mbedding(s)?\.weight$|embeddings\.[a-zA-Z]+\.weight$/.test(name)) {
      return quantizeEmbeddings ? 0 : undefined;
    }
    return -1;
  };
}

async function producer() {
  return { name: '@tessera/transformer', version: await findPackageVersion(import.meta.url, '@tessera/transformer') };
}

function quantization(options: TransformerExportOptions) {
  if (options.quantization === undefined) return undefined;
  if (options.quantization !== 'int8') {
    throw new TesseraError(
      'E_EXPORT_QUANTIZATION',
      `unknown quantization '${String(options.quantization)}'; use 'int8'`,
    );
  }
  return { scheme: 'int8' as const, rule: transformerQuantizationRule(options.quantizeEmbeddings ?? true) };
}

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
    quantization: quantization(options),
    producer: await producer(),
    metadata: options.metadata ?? {},
    overwrite: options.overwrite ?? false,
  });
}

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
    quantization: quantization(options),
    producer: await producer(),
    metadata: options.metadata ?? {},
    overwrite: options.overwrite ?? false,
  });
}
