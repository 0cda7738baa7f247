import { TesseraError } from '@tessera/core';

/** BERT's architecture (Devlin et al. 2019); defaults follow Hugging Face's BertConfig. */
export interface BertConfig {
  vocabularySize: number;
  hiddenSize: number;
  layerCount: number;
  headCount: number;
  /** Width of the feed-forward layer (4 × hidden in the published models). */
  intermediateSize: number;
  /** Longest sequence, in tokens. */
  maxPositions: number;
  /** Segment ids (sentence A / B). */
  typeVocabularySize: number;
  dropout: number;
  layerNormEpsilon: number;
}

export type BertPresetName = 'bert-tiny' | 'bert-mini' | 'bert-small' | 'bert-base';

/** Google's compact BERTs (Turc et al. 2019) and BERT-Base, with the uncased 30,522-token vocabulary. */
const presets: Record<BertPresetName, BertConfig> = {
  'bert-tiny': {
    vocabularySize: 30522,
    hiddenSize: 128,
    layerCount: 2,
    headCount: 2,
    intermediateSize: 512,
    maxPositions: 512,
    typeVocabularySize: 2,
    dropout: 0.1,
    layerNormEpsilon: 1e-12,
  },
  'bert-mini': {
    vocabularySize: 30522,
    hiddenSize: 256,
    layerCount: 4,
    headCount: 4,
    intermediateSize: 1024,
    maxPositions: 512,
    typeVocabularySize: 2,
    dropout: 0.1,
    layerNormEpsilon: 1e-12,
  },
  'bert-small': {
    vocabularySize: 30522,
    hiddenSize: 512,
    layerCount: 4,
    headCount: 8,
    intermediateSize: 2048,
    maxPositions: 512,
    typeVocabularySize: 2,
    dropout: 0.1,
    layerNormEpsilon: 1e-12,
  },
  'bert-base': {
    vocabularySize: 30522,
    hiddenSize: 768,
    layerCount: 12,
    headCount: 12,
    intermediateSize: 3072,
    maxPositions: 512,
    typeVocabularySize: 2,
    dropout: 0.1,
    layerNormEpsilon: 1e-12,
  },
};

export function bertConfig(preset: BertPresetName, overrides: Partial<BertConfig> = {}): BertConfig {
  const base = presets[preset];
  if (base === undefined)
    throw new TesseraError('E_BERT_PRESET', `unknown preset '${preset}'; presets: ${Object.keys(presets).join(', ')}`);
  const config = { ...base, ...overrides };
  if (config.hiddenSize % config.headCount !== 0) {
    throw new TesseraError(
      'E_BERT_CONFIG',
      `hiddenSize ${config.hiddenSize} must be divisible by headCount ${config.headCount}`,
    );
  }
  return config;
}
