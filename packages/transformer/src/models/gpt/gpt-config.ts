import { TesseraError } from '@tessera/core';

/** A GPT's architecture. Defaults follow nanoGPT's GPTConfig. */
export interface GPTConfig {
  vocabularySize: number;
  /** The longest context, in tokens (nanoGPT's block_size, Hugging Face's n_positions). */
  blockSize: number;
  layerCount: number;
  headCount: number;
  embeddingSize: number;
  dropout: number;
  /** Biases in Linear layers and LayerNorms (GPT-2: true; nanoGPT's train.py default: false). */
  bias: boolean;
  /** 'gelu-tanh' is GPT-2's approximation (Hugging Face's 'gelu_new'); nanoGPT uses exact 'gelu'. */
  activation: 'gelu' | 'gelu-tanh';
  layerNormEpsilon: number;
}

export type GPTPresetName = 'nanogpt-baby' | 'shakespeare-char' | 'gpt2-small';

const presets: Record<GPTPresetName, Omit<GPTConfig, 'vocabularySize'> & { vocabularySize?: number }> = {
  /** nanoGPT's small CPU configuration (its README's "baby GPT"). */
  'nanogpt-baby': {
    blockSize: 64,
    layerCount: 4,
    headCount: 4,
    embeddingSize: 128,
    dropout: 0,
    bias: false,
    activation: 'gelu',
    layerNormEpsilon: 1e-5,
  },
  /** nanoGPT's config/train_shakespeare_char.py. */
  'shakespeare-char': {
    blockSize: 256,
    layerCount: 6,
    headCount: 6,
    embeddingSize: 384,
    dropout: 0.2,
    bias: false,
    activation: 'gelu',
    layerNormEpsilon: 1e-5,
  },
  /** GPT-2 small (124M) shapes. */
  'gpt2-small': {
    vocabularySize: 50257,
    blockSize: 1024,
    layerCount: 12,
    headCount: 12,
    embeddingSize: 768,
    dropout: 0,
    bias: true,
    activation: 'gelu-tanh',
    layerNormEpsilon: 1e-5,
  },
};

/** A named preset, with any field overridden; character-level presets need the vocabulary size. */
export function gptConfig(preset: GPTPresetName, overrides: Partial<GPTConfig> = {}): GPTConfig {
  const base = presets[preset];
  if (base === undefined) {
    throw new TesseraError('E_GPT_PRESET', `unknown preset '${preset}'; presets: ${Object.keys(presets).join(', ')}`);
  }
  const config = { ...base, ...overrides };
  if (config.vocabularySize === undefined) {
    throw new TesseraError('E_GPT_CONFIG', `preset '${preset}' needs a vocabularySize (the tokenizer's)`);
  }
  if (config.embeddingSize % config.headCount !== 0) {
    throw new TesseraError(
      'E_GPT_CONFIG',
      `embeddingSize ${config.embeddingSize} must be divisible by headCount ${config.headCount}`,
    );
  }
  return config as GPTConfig;
}

export const gptPresetNames = Object.keys(presets) as GPTPresetName[];
