/**
 * Everything in @tessera/transformer that reads or writes no files, so it runs in a browser too.
 * Both entries re-export it: `index.ts` (Node) adds the exporters, Hugging Face directory loading
 * (`loadPretrained`, `loadTokenizer`) and `readWordPieceVocabulary`; `browser.ts` is this alone. Importing it registers the `gpt` and
 * `bert-classifier` export kinds (`gptExportKind`, `bertClassifierExportKind`) with @tessera/core.
 */
export type {
  AttentionInputs,
  AttentionOutput,
  KeyValueCache,
  MultiHeadAttentionOptions,
} from './attention/multi-head-attention.js';
export { MultiHeadSelfAttention } from './attention/multi-head-attention.js';
export type { LoadedTransformerExport } from './export/load-transformer-export.js';
export { loadTransformerExport } from './export/load-transformer-export.js';
export { TOKENIZER_FILE } from './export/transformer-export-options.js';
export type { GenerationOptions } from './generation/generate.js';
export { generate } from './generation/generate.js';
export type { SamplingOptions } from './generation/sampling.js';
export { sampleToken } from './generation/sampling.js';
export type { LoRAOptions, LoRATarget } from './lora/apply-lora.js';
export { applyLoRA, DEFAULT_LORA_TARGETS, loraModules, mergeLoRA, unloadLoRA, unmergeLoRA } from './lora/apply-lora.js';
export type { LoRALinearOptions } from './lora/lora-linear.js';
export { LoRAAdapter, LoRALinear, validateLoRAOptions } from './lora/lora-linear.js';
export { loadLoRAStateDict, loraStateDict } from './lora/lora-state-dict.js';
export type { BertInputs } from './models/bert/bert.js';
export { Bert, BertForMaskedLanguageModeling, BertForSequenceClassification, BertLayer } from './models/bert/bert.js';
export type { BertBasicTokenizerOptions } from './models/bert/bert-basic-tokenizer.js';
export {
  BertBasicTokenizer,
  isCjkCharacter,
  isControlCharacter,
  isPunctuationCharacter,
  isWhitespaceCharacter,
} from './models/bert/bert-basic-tokenizer.js';
// Importing these registers the `gpt` and `bert-classifier` export kinds with @tessera/core's registry.
export { bertClassifierExportKind } from './models/bert/bert-classifier-export-kind.js';
export type { BertConfig, BertPresetName } from './models/bert/bert-config.js';
export { bertConfig } from './models/bert/bert-config.js';
export type {
  BertBatchEncodeOptions,
  BertBatchEncoding,
  BertEncodeOptions,
  BertEncoding,
  TruncationStrategy,
} from './models/bert/bert-encoding.js';
export type {
  AnyBertModel,
  BertArchitecture,
  BertHuggingFaceConfig,
  BertModelFor,
} from './models/bert/bert-hugging-face-config.js';
export {
  bertArchitectures,
  bertConfigFromHuggingFace,
  bertConfigToHuggingFace,
} from './models/bert/bert-hugging-face-config.js';
export type { BertStateConversion } from './models/bert/bert-hugging-face-weights.js';
export { bertStateToTessera, tesseraStateToBert } from './models/bert/bert-hugging-face-weights.js';
export type {
  BertDecodeOptions,
  BertSpecialTokens,
  BertTokenizerJSON,
  BertTokenizerOptions,
} from './models/bert/bert-tokenizer.js';
export { BertTokenizer, defaultBertSpecialTokens } from './models/bert/bert-tokenizer.js';
export type { BertClassifierExportConfig } from './models/bert/export-bert-classifier.js';
export { LABELS_FILE } from './models/bert/export-bert-classifier.js';
export type { LoadedBertClassifierExport } from './models/bert/load-bert-classifier-export.js';
export { classifyTexts } from './models/bert/load-bert-classifier-export.js';
export type {
  MaskedLanguageModelingBatch,
  MaskingOptions,
} from './models/bert/masked-language-modeling.js';
export { maskedLanguageModelingTask, maskTokens } from './models/bert/masked-language-modeling.js';
export type { SequenceClassificationBatch } from './models/bert/sequence-classification.js';
export { sequenceClassificationTask } from './models/bert/sequence-classification.js';
export type { TrainWordPieceOptions } from './models/bert/train-wordpiece.js';
export { trainWordPiece } from './models/bert/train-wordpiece.js';
export type { LanguageModelingExample } from './models/gpt/causal-language-modeling.js';
export { causalLanguageModelingTask, languageModelingDataset } from './models/gpt/causal-language-modeling.js';
export type { GptTokenizer } from './models/gpt/export-gpt.js';
export { Block, FeedForward, GPT } from './models/gpt/gpt.js';
export type { GPTConfig, GPTPresetName } from './models/gpt/gpt-config.js';
export { gptConfig, gptPresetNames } from './models/gpt/gpt-config.js';
export { gptExportKind } from './models/gpt/gpt-export-kind.js';
export type { GPT2HuggingFaceConfig } from './models/gpt/gpt2-hugging-face.js';
export {
  gpt2StateToTessera,
  gptConfigFromHuggingFace,
  gptConfigToHuggingFace,
  tesseraStateToGpt2,
} from './models/gpt/gpt2-hugging-face.js';
export type { LoadedGptExport } from './models/gpt/load-gpt-export.js';
export type { RotaryAngles } from './models/llama/grouped-query-attention.js';
export { GroupedQueryAttention } from './models/llama/grouped-query-attention.js';
export type { LlamaOptions } from './models/llama/llama.js';
export { Llama, LlamaDecoderLayer, LlamaFeedForward } from './models/llama/llama.js';
export type { LlamaConfig, LlamaFamily, LlamaPresetName, RopeScaling } from './models/llama/llama-config.js';
export { llamaConfig, llamaFamilies, llamaPresetNames, validateLlamaConfig } from './models/llama/llama-config.js';
export type { LlamaHuggingFaceConfig } from './models/llama/llama-hugging-face-config.js';
export {
  llamaConfigFromHuggingFace,
  llamaConfigToHuggingFace,
  llamaFamilyArchitectures,
} from './models/llama/llama-hugging-face-config.js';
export type { TensorCorrespondence } from './models/llama/llama-hugging-face-weights.js';
export {
  huggingFaceNameOfLlamaParameter,
  tesseraNameOfLlamaTensor,
} from './models/llama/llama-hugging-face-weights.js';
export { applyRotaryEmbedding, RotaryEmbedding, ropeInverseFrequencies } from './models/llama/rotary-embedding.js';
export type { ApplyChatTemplateOptions, ChatTemplateMessage } from './tokenizers/apply-chat-template.js';
export { BytePairMerges } from './tokenizers/bpe-merges.js';
export { byteToCharacter, decodeWtf8, encodeWtf8, GPT2_PRETOKENIZE } from './tokenizers/byte-level.js';
export type { ByteLevelBPEOptions, ByteLevelBPETokenizerJSON } from './tokenizers/byte-level-bpe-tokenizer.js';
export { ByteLevelBPETokenizer, parseMerges } from './tokenizers/byte-level-bpe-tokenizer.js';
export { CharacterTokenizer } from './tokenizers/character-tokenizer.js';
export type {
  HuggingFaceBatchEncodeOptions,
  HuggingFaceBatchEncoding,
  HuggingFaceDecodeOptions,
  HuggingFaceEncodeOptions,
  HuggingFaceTokenizerJSON,
} from './tokenizers/hugging-face-tokenizer.js';
export { HuggingFaceTokenizer, tokenizerFromJSON } from './tokenizers/hugging-face-tokenizer.js';
export { translateOnigurumaPattern } from './tokenizers/oniguruma-pattern.js';
export type { TokenizerSettings } from './tokenizers/tokenizer-config.js';
export type { TrainByteLevelBPEOptions } from './tokenizers/train-byte-level-bpe.js';
export { trainByteLevelBPE } from './tokenizers/train-byte-level-bpe.js';
export type { WordPieceTokenizerOptions } from './tokenizers/wordpiece-tokenizer.js';
export { WordPieceTokenizer } from './tokenizers/wordpiece-tokenizer.js';
export { parseWordPieceVocabulary } from './tokenizers/wordpiece-vocabulary.js';
