import { TesseraError } from '@tessera/core';

/**
 * How rotary position embeddings stretch to contexts longer than the model was trained on
 * (Hugging Face's `rope_scaling`): `linear` divides every frequency by `factor` (position
 * interpolation); `llama3` (Llama 3.1+) divides only the low frequencies, leaves the high ones,
 * and interpolates smoothly between the wavelengths `originalMaxPositionEmbeddings / lowFrequencyFactor`
 * and `originalMaxPositionEmbeddings / highFrequencyFactor`.
 */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFrequencyFactor: number;
      highFrequencyFactor: number;
      originalMaxPositionEmbeddings: number;
    };

/**
 * The Hugging Face model family a config follows: it decides which biases are possible (Llama:
 * all attention projections or none, and the MLP's; Qwen2: query/key/value only; Mistral: none)
 * and the `model_type` `savePretrained` writes. The computation is the same for all three.
 */
export type LlamaFamily = 'llama' | 'mistral' | 'qwen2';

export const llamaFamilies: readonly LlamaFamily[] = ['llama', 'mistral', 'qwen2'];

/** A Llama-family decoder's architecture (Hugging Face's LlamaConfig, with Tessera's names). */
export interface LlamaConfig {
  family: LlamaFamily;
  vocabularySize: number;
  /** The longest sequence, in positions (Hugging Face's max_position_embeddings); generate crops to it. */
  blockSize: number;
  layerCount: number;
  /** Query heads. */
  headCount: number;
  /** Key/value heads (grouped-query attention); divides headCount. headCount itself is plain multi-head attention. */
  keyValueHeadCount: number;
  /** The residual stream's width (hidden_size). */
  embeddingSize: number;
  /** Each head's width (head_dim), even (rotary embeddings rotate pairs); usually embeddingSize / headCount. */
  headSize: number;
  /** The SwiGLU MLP's inner width (intermediate_size). */
  feedForwardSize: number;
  /** RMSNorm's epsilon (rms_norm_eps). */
  normEpsilon: number;
  /** RoPE's base (rope_theta). */
  ropeTheta: number;
  /** undefined: no scaling. */
  ropeScaling?: RopeScaling;
  /** Bias on the query, key and value projections (Llama's attention_bias; always on in Qwen2). */
  queryKeyValueBias: boolean;
  /** Bias on the attention's output projection (Llama's attention_bias). */
  outputBias: boolean;
  /** Bias on the MLP's three projections (Llama's mlp_bias). */
  feedForwardBias: boolean;
  /** The language-model head reuses the token embedding (tie_word_embeddings). */
  tieWordEmbeddings: boolean;
  /** Each position attends to at most this many positions, itself included (Mistral's sliding_window); undefined: all earlier ones. */
  slidingWindow?: number;
}

export type LlamaPresetName = 'tiny' | 'smollm2-135m' | 'llama-3.2-1b' | 'qwen2.5-0.5b';

const presets: Record<LlamaPresetName, LlamaConfig> = {
  /** A few thousand parameters, for tests and examples. */
  tiny: {
    family: 'llama',
    vocabularySize: 64,
    blockSize: 64,
    layerCount: 2,
    headCount: 4,
    keyValueHeadCount: 2,
    embeddingSize: 32,
    headSize: 8,
    feedForwardSize: 64,
    normEpsilon: 1e-5,
    ropeTheta: 10000,
    queryKeyValueBias: false,
    outputBias: false,
    feedForwardBias: false,
    tieWordEmbeddings: true,
  },
  /** HuggingFaceTB/SmolLM2-135M's shapes. */
  'smollm2-135m': {
    family: 'llama',
    vocabularySize: 49152,
    blockSize: 8192,
    layerCount: 30,
    headCount: 9,
    keyValueHeadCount: 3,
    embeddingSize: 576,
    headSize: 64,
    feedForwardSize: 1536,
    normEpsilon: 1e-5,
    ropeTheta: 100000,
    queryKeyValueBias: false,
    outputBias: false,
    feedForwardBias: false,
    tieWordEmbeddings: true,
  },
  /** meta-llama/Llama-3.2-1B's shapes, with its llama3 rope_scaling. */
  'llama-3.2-1b': {
    family: 'llama',
    vocabularySize: 128256,
    blockSize: 131072,
    layerCount: 16,
    headCount: 32,
    keyValueHeadCount: 8,
    embeddingSize: 2048,
    headSize: 64,
    feedForwardSize: 8192,
    normEpsilon: 1e-5,
    ropeTheta: 500000,
    ropeScaling: {
      type: 'llama3',
      factor: 32,
      lowFrequencyFactor: 1,
      highFrequencyFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    },
    queryKeyValueBias: false,
    outputBias: false,
    feedForwardBias: false,
    tieWordEmbeddings: true,
  },
  /** Qwen/Qwen2.5-0.5B's shapes (query/key/value bias, tied embeddings). */
  'qwen2.5-0.5b': {
    family: 'qwen2',
    vocabularySize: 151936,
    blockSize: 32768,
    layerCount: 24,
    headCount: 14,
    keyValueHeadCount: 2,
    embeddingSize: 896,
    headSize: 64,
    feedForwardSize: 4864,
    normEpsilon: 1e-6,
    ropeTheta: 1000000,
    queryKeyValueBias: true,
    outputBias: false,
    feedForwardBias: false,
    tieWordEmbeddings: true,
  },
};

export const llamaPresetNames = Object.keys(presets) as LlamaPresetName[];

/**
 * A named preset with any field overridden, validated. Overriding embeddingSize or headCount
 * without headSize derives headSize as embeddingSize / headCount.
 */
export function llamaConfig(preset: LlamaPresetName, overrides: Partial<LlamaConfig> = {}): LlamaConfig {
  const base = presets[preset];
  if (base === undefined) {
    throw new TesseraError('E_LLAMA_PRESET', `unknown preset '${preset}'; presets: ${llamaPresetNames.join(', ')}`);
  }
  const config: LlamaConfig = { ...base, ...overrides };
  if (
    overrides.headSize === undefined &&
    (overrides.embeddingSize !== undefined || overrides.headCount !== undefined)
  ) {
    if (config.embeddingSize % config.headCount !== 0) {
      throw new TesseraError(
        'E_LLAMA_CONFIG',
        `embeddingSize ${config.embeddingSize} must be divisible by headCount ${config.headCount} (or give headSize)`,
      );
    }
    config.headSize = config.embeddingSize / config.headCount;
  }
  return validateLlamaConfig(config);
}

const fail = (detail: string): never => {
  throw new TesseraError('E_LLAMA_CONFIG', detail);
};

const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isPositiveNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

/** Checks every field (shapes come from them, so a bad one would fail deep inside tfjs) and returns the config. */
export function validateLlamaConfig(config: LlamaConfig): LlamaConfig {
  if (typeof config !== 'object' || config === null) fail('the config must be an object');
  if (!llamaFamilies.includes(config.family)) {
    fail(`family must be one of ${llamaFamilies.join(', ')}, got ${JSON.stringify(config.family)}`);
  }
  for (const field of [
    'vocabularySize',
    'blockSize',
    'layerCount',
    'headCount',
    'keyValueHeadCount',
    'embeddingSize',
    'headSize',
    'feedForwardSize',
  ] as const) {
    if (!isPositiveInteger(config[field]))
      fail(`${field} must be a positive integer, got ${JSON.stringify(config[field])}`);
  }
  if (config.headCount % config.keyValueHeadCount !== 0) {
    fail(`keyValueHeadCount ${config.keyValueHeadCount} must divide headCount ${config.headCount}`);
  }
  if (config.headSize % 2 !== 0) fail(`headSize ${config.headSize} must be even: rotary embeddings rotate pairs`);
  if (!isPositiveNumber(config.normEpsilon))
    fail(`normEpsilon must be a positive number, got ${JSON.stringify(config.normEpsilon)}`);
  if (!isPositiveNumber(config.ropeTheta))
    fail(`ropeTheta must be a positive number, got ${JSON.stringify(config.ropeTheta)}`);
  for (const field of ['queryKeyValueBias', 'outputBias', 'feedForwardBias', 'tieWordEmbeddings'] as const) {
    if (typeof config[field] !== 'boolean')
      fail(`${field} must be true or false, got ${JSON.stringify(config[field])}`);
  }
  if (config.slidingWindow !== undefined && !isPositiveInteger(config.slidingWindow)) {
    fail(`slidingWindow must be a positive integer (or undefined), got ${JSON.stringify(config.slidingWindow)}`);
  }
  if (config.ropeScaling !== undefined) validateRopeScaling(config.ropeScaling);
  return config;
}

function validateRopeScaling(scaling: RopeScaling): void {
  if (typeof scaling !== 'object' || scaling === null) fail('ropeScaling must be an object (or undefined)');
  if (!isPositiveNumber(scaling.factor))
    fail(`ropeScaling.factor must be a positive number, got ${JSON.stringify(scaling.factor)}`);
  if (scaling.type === 'linear') return;
  if (scaling.type !== 'llama3') {
    fail(`ropeScaling.type must be 'linear' or 'llama3', got ${JSON.stringify((scaling as { type: unknown }).type)}`);
  }
  const { lowFrequencyFactor, highFrequencyFactor, originalMaxPositionEmbeddings } = scaling;
  if (!isPositiveNumber(lowFrequencyFactor) || !isPositiveNumber(highFrequencyFactor)) {
    fail(
      `ropeScaling's lowFrequencyFactor and highFrequencyFactor must be positive numbers, got ${JSON.stringify(lowFrequencyFactor)} and ${JSON.stringify(highFrequencyFactor)}`,
    );
  }
  // The interpolation divides by their difference.
  if (!(highFrequencyFactor > lowFrequencyFactor)) {
    fail(`ropeScaling.highFrequencyFactor ${highFrequencyFactor} must exceed lowFrequencyFactor ${lowFrequencyFactor}`);
  }
  if (!isPositiveInteger(originalMaxPositionEmbeddings)) {
    fail(
      `ropeScaling.originalMaxPositionEmbeddings must be a positive integer, got ${JSON.stringify(originalMaxPositionEmbeddings)}`,
    );
  }
}
