/**
 * The Node entry of @tessera/transformer: the portable API (`portable.ts`, which is also the
 * browser entry) plus what reads or writes files.
 */

export type { TransformerExportOptions } from './export/transformer-export-options.js';
export { transformerQuantizationRule } from './export/transformer-export-options.js';
export type {
  LoadPretrainedOptions,
  PretrainedBert,
  PretrainedGPT2,
  PretrainedModel,
  SupportedModelType,
} from './hugging-face/pretrained.js';
export { loadPretrained, savePretrained, supportedModelTypes } from './hugging-face/pretrained.js';
export type { BertLoadOptions } from './models/bert/bert-pretrained.js';
export { loadBertTokenizer, saveBertTokenizer } from './models/bert/bert-tokenizer-files.js';
export { exportBertClassifier } from './models/bert/export-bert-classifier.js';
export { exportGpt } from './models/gpt/export-gpt.js';
export type { PretrainedLlama } from './models/llama/llama-pretrained.js';
export type { SaveLlamaOptions } from './models/llama/save-llama-pretrained.js';
export { saveLlamaPretrained } from './models/llama/save-llama-pretrained.js';
export * from './portable.js';
export {
  CHAT_TEMPLATE_FILE,
  hasTokenizerJson,
  loadTokenizer,
  saveTokenizer,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_JSON_FILE,
} from './tokenizers/load-tokenizer.js';
export { readWordPieceVocabulary } from './tokenizers/wordpiece-vocabulary.js';

// Each architecture registers its Hugging Face model_type with loadPretrained / savePretrained, in
// this order (the order `supportedModelTypes` lists them in).
import './models/gpt/gpt2-pretrained.js';
import './models/bert/bert-pretrained.js';
import './models/llama/llama-pretrained.js';
