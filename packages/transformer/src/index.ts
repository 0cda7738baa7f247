/**
 * The Node entry of @tessera/transformer: the portable API (`portable.ts`, which is also the
 * browser entry) plus what reads or writes files.
 */

export type { TransformerExportOptions } from './export/export-transformer.js';
export { exportBertClassifier, exportGpt, transformerQuantizationRule } from './export/export-transformer.js';
export type { BertLoadOptions } from './hugging-face/bert-pretrained.js';
export { loadBertTokenizer, saveBertTokenizer } from './hugging-face/bert-tokenizer-files.js';
export type {
  LoadPretrainedOptions,
  PretrainedBert,
  PretrainedGPT2,
  PretrainedModel,
  SupportedModelType,
} from './hugging-face/pretrained.js';
export { loadPretrained, savePretrained, supportedModelTypes } from './hugging-face/pretrained.js';
export * from './portable.js';
export { readWordPieceVocabulary } from './tokenizers/wordpiece-vocabulary.js';
