/**
 * Everything in @tessera/transformer that reads or writes no files, so it runs in a browser too.
 * Both entries re-export it: `index.ts` (Node) adds the exporters, Hugging Face directory loading,
 * `readWordPieceVocabulary` and byte-level BPE; `browser.ts` is this alone.
 */
export type {
  AttentionInputs,
  AttentionOutput,
  KeyValueCache,
  MultiHeadAttentionOptions,
} from './attention/multi-head-attention.js';
export { MultiHeadSelfAttention } from './attention/multi-head-attention.js';
export type { BertInputs } from './bert/bert.js';
export { Bert, BertForMaskedLanguageModeling, BertForSequenceClassification, BertLayer } from './bert/bert.js';
export type { BertConfig, BertPresetName } from './bert/bert-config.js';
export { bertConfig } from './bert/bert-config.js';
export type {
  MaskedLanguageModelingBatch,
  MaskingOptions,
  SequenceClassificationBatch,
} from './bert/masked-language-modeling.js';
export { maskedLanguageModelingTask, maskTokens, sequenceClassificationTask } from './bert/masked-language-modeling.js';
export type { BertClassifierExportConfig, GptTokenizer } from './export/export-transformer.js';
export { LABELS_FILE, TOKENIZER_FILE } from './export/export-transformer.js';
export type {
  LoadedBertClassifierExport,
  LoadedGptExport,
  LoadedTransformerExport,
} from './export/load-transformer-export.js';
export { classifyTexts, loadTransformerExport } from './export/load-transformer-export.js';
export type { GenerationOptions } from './generation/generate.js';
export { generate } from './generation/generate.js';
export type { SamplingOptions } from './generation/sampling.js';
export { sampleToken } from './generation/sampling.js';
export type { LanguageModelingExample } from './gpt/causal-language-modeling.js';
export { causalLanguageModelingTask, languageModelingDataset } from './gpt/causal-language-modeling.js';
export { Block, FeedForward, GPT } from './gpt/gpt.js';
export type { GPTConfig, GPTPresetName } from './gpt/gpt-config.js';
export { gptConfig, gptPresetNames } from './gpt/gpt-config.js';
export type {
  AnyBertModel,
  BertArchitecture,
  BertHuggingFaceConfig,
  BertModelFor,
} from './hugging-face/bert.js';
export { bertArchitectures, bertConfigFromHuggingFace, bertConfigToHuggingFace } from './hugging-face/bert.js';
export type { BertStateConversion } from './hugging-face/bert-weights.js';
export { bertStateToTessera, tesseraStateToBert } from './hugging-face/bert-weights.js';
export type { GPT2HuggingFaceConfig } from './hugging-face/gpt2.js';
export {
  gpt2StateToTessera,
  gptConfigFromHuggingFace,
  gptConfigToHuggingFace,
  tesseraStateToGpt2,
} from './hugging-face/gpt2.js';
export type { LoRAOptions, LoRATarget } from './lora/apply-lora.js';
export { applyLoRA, DEFAULT_LORA_TARGETS, loraModules, mergeLoRA, unloadLoRA, unmergeLoRA } from './lora/apply-lora.js';
export type { LoRALinearOptions } from './lora/lora-linear.js';
export { LoRAAdapter, LoRALinear, validateLoRAOptions } from './lora/lora-linear.js';
export { loadLoRAStateDict, loraStateDict } from './lora/lora-state-dict.js';
export type { BertBasicTokenizerOptions } from './tokenizers/bert-basic-tokenizer.js';
export {
  BertBasicTokenizer,
  isCjkCharacter,
  isControlCharacter,
  isPunctuationCharacter,
  isWhitespaceCharacter,
} from './tokenizers/bert-basic-tokenizer.js';
export type {
  BertBatchEncodeOptions,
  BertBatchEncoding,
  BertEncodeOptions,
  BertEncoding,
  TruncationStrategy,
} from './tokenizers/bert-encoding.js';
export type {
  BertDecodeOptions,
  BertSpecialTokens,
  BertTokenizerJSON,
  BertTokenizerOptions,
} from './tokenizers/bert-tokenizer.js';
export { BertTokenizer, defaultBertSpecialTokens } from './tokenizers/bert-tokenizer.js';
export { byteToCharacter, decodeWtf8, encodeWtf8, GPT2_PRETOKENIZE } from './tokenizers/byte-level.js';
export type { ByteLevelBPEOptions, ByteLevelBPETokenizerJSON } from './tokenizers/byte-level-bpe-tokenizer.js';
export { ByteLevelBPETokenizer, parseMerges } from './tokenizers/byte-level-bpe-tokenizer.js';
export { CharacterTokenizer } from './tokenizers/character-tokenizer.js';
export type { TrainByteLevelBPEOptions } from './tokenizers/train-byte-level-bpe.js';
export { trainByteLevelBPE } from './tokenizers/train-byte-level-bpe.js';
export type { TrainWordPieceOptions } from './tokenizers/train-wordpiece.js';
export { trainWordPiece } from './tokenizers/train-wordpiece.js';
export type { WordPieceTokenizerOptions } from './tokenizers/wordpiece-tokenizer.js';
export { WordPieceTokenizer } from './tokenizers/wordpiece-tokenizer.js';
export { parseWordPieceVocabulary } from './tokenizers/wordpiece-vocabulary.js';
