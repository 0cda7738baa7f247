import { TesseraError } from '@tessera/core';
import {
  type LlamaConfig,
  type LlamaFamily,
  llamaFamilies,
  type RopeScaling,
  validateLlamaConfig,
} from './llama-config.js';

/**
 * config.json of a Hugging Face `llama`, `mistral` or `qwen2` model: the fields that matter here
 * (LlamaConfig, MistralConfig, Qwen2Config); any others are kept, not read.
 */
export interface LlamaHuggingFaceConfig {
  model_type: LlamaFamily;
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  /** Default num_attention_heads. */
  num_key_value_heads?: number | null;
  /** Default hidden_size / num_attention_heads. */
  head_dim?: number | null;
  hidden_act?: string;
  max_position_embeddings?: number;
  rms_norm_eps?: number;
  rope_theta?: number;
  rope_scaling?: Record<string, unknown> | null;
  /** transformers 5's replacement for rope_theta + rope_scaling. */
  rope_parameters?: Record<string, unknown> | null;
  /** llama only: bias on q/k/v/o_proj. */
  attention_bias?: boolean;
  /** llama only: bias on gate/up/down_proj. */
  mlp_bias?: boolean;
  tie_word_embeddings?: boolean;
  /** mistral (default 4096; null: none); qwen2 only with use_sliding_window. */
  sliding_window?: number | null;
  use_sliding_window?: boolean;
  /** The dtype the weights are stored in (`bfloat16`, `float16`, `float32`); transformers 5 calls it `dtype`. */
  torch_dtype?: string;
  dtype?: string;
  [field: string]: unknown;
}

/** The class transformers instantiates for each model_type's causal LM. */
export const llamaFamilyArchitectures: Record<LlamaFamily, string> = {
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
};

/** transformers' defaults where config.json leaves a field out (configuration_<model>.py). */
const defaultMaxPositionEmbeddings: Record<LlamaFamily, number> = { llama: 2048, mistral: 4096 * 32, qwen2: 32768 };
const DEFAULT_RMS_NORM_EPS = 1e-6;
const DEFAULT_ROPE_THETA = 10000;
const DEFAULT_MISTRAL_SLIDING_WINDOW = 4096;

type FieldReader = {
  integer(name: string, fallback?: number): number;
  number(name: string, fallback?: number): number;
  boolean(name: string, fallback: boolean): boolean;
};

/** Reads config.json fields with their types checked; null counts as absent, as transformers treats it. */
function fieldReader(config: Record<string, unknown>, where: string, modelType: string): FieldReader {
  const fail = (name: string, expected: string, value: unknown): never => {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} ${where}'s ${name} must be ${expected}, got ${JSON.stringify(value)}`,
    );
  };
  const read = (name: string) => (config[name] === null ? undefined : config[name]);
  return {
    integer(name, fallback) {
      const value = read(name) ?? fallback;
      if (value === undefined) {
        throw new TesseraError('E_HF_CONFIG', `${modelType} ${where} has no ${name}`);
      }
      if (!(Number.isSafeInteger(value) && (value as number) > 0)) fail(name, 'a positive integer', value);
      return value as number;
    },
    number(name, fallback) {
      const value = read(name) ?? fallback;
      if (value === undefined) {
        throw new TesseraError('E_HF_CONFIG', `${modelType} ${where} has no ${name}`);
      }
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) fail(name, 'a positive number', value);
      return value as number;
    },
    boolean(name, fallback) {
      const value = read(name) ?? fallback;
      if (typeof value !== 'boolean') fail(name, 'true or false', value);
      return value as boolean;
    },
  };
}

/** rope_theta and rope_scaling (or transformers 5's rope_parameters) as Tessera's ropeTheta and ropeScaling. */
function ropeFromHuggingFace(
  config: Record<string, unknown>,
  modelType: string,
): { ropeTheta: number; ropeScaling: RopeScaling | undefined } {
  const parameters = config.rope_parameters;
  const where = parameters !== undefined && parameters !== null ? 'rope_parameters' : 'rope_scaling';
  const source = where === 'rope_parameters' ? parameters : config.rope_scaling;
  const fields = fieldReader(config, 'config.json', modelType);
  let ropeTheta = fields.number('rope_theta', DEFAULT_ROPE_THETA);
  if (source === undefined || source === null) return { ropeTheta, ropeScaling: undefined };
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw new TesseraError('E_HF_CONFIG', `${modelType} config.json's ${where} must be an object or null`);
  }
  const scaling = source as Record<string, unknown>;
  const read = fieldReader(scaling, `config.json's ${where}`, modelType);
  if (where === 'rope_parameters') ropeTheta = read.number('rope_theta', ropeTheta);
  const type = scaling.rope_type ?? scaling.type ?? 'default';
  switch (type) {
    case 'default':
      return { ropeTheta, ropeScaling: undefined };
    case 'linear':
      return { ropeTheta, ropeScaling: { type: 'linear', factor: read.number('factor') } };
    case 'llama3':
      return {
        ropeTheta,
        ropeScaling: {
          type: 'llama3',
          factor: read.number('factor'),
          lowFrequencyFactor: read.number('low_freq_factor'),
          highFrequencyFactor: read.number('high_freq_factor'),
          originalMaxPositionEmbeddings: read.integer('original_max_position_embeddings'),
        },
      };
    default:
      throw new TesseraError(
        'E_HF_CONFIG',
        `${modelType} ${where} type ${JSON.stringify(type)} is not supported (supported: default, linear, llama3)`,
      );
  }
}

/**
 * A Tessera LlamaConfig from config.json, every field type-checked (E_HF_CONFIG names the field).
 * The shape fields (vocab_size, hidden_size, intermediate_size, num_hidden_layers,
 * num_attention_heads) are required; the rest take transformers' defaults. Refused, because the
 * model would compute something else: a hidden_act other than silu, partial rotary embeddings,
 * rope_scaling types other than linear and llama3, Qwen2's use_sliding_window.
 */
export function llamaConfigFromHuggingFace(config: LlamaHuggingFaceConfig): LlamaConfig {
  const modelType = config.model_type;
  if (!llamaFamilies.includes(modelType)) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `model_type ${JSON.stringify(modelType)} is not a Llama-family type (${llamaFamilies.join(', ')})`,
    );
  }
  const field = fieldReader(config, 'config.json', modelType);
  const embeddingSize = field.integer('hidden_size');
  const headCount = field.integer('num_attention_heads');
  const keyValueHeadCount = field.integer('num_key_value_heads', headCount);
  if (headCount % keyValueHeadCount !== 0) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} config.json's num_key_value_heads ${keyValueHeadCount} must divide num_attention_heads ${headCount}`,
    );
  }
  if ((config.head_dim ?? undefined) === undefined && embeddingSize % headCount !== 0) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} config.json's hidden_size ${embeddingSize} must be divisible by num_attention_heads ${headCount} (or give head_dim)`,
    );
  }
  const headSize = field.integer('head_dim', embeddingSize / headCount);
  if (headSize % 2 !== 0) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} config.json's head_dim ${headSize} must be even (rotary pairs)`,
    );
  }
  const activation = config.hidden_act ?? 'silu';
  if (activation !== 'silu') {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} hidden_act ${JSON.stringify(activation)} is not supported (the SwiGLU MLP uses silu)`,
    );
  }
  const partial = config.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `${modelType} partial_rotary_factor ${JSON.stringify(partial)} is not supported (rotary embeddings cover whole heads)`,
    );
  }
  let queryKeyValueBias = false;
  let outputBias = false;
  let feedForwardBias = false;
  let slidingWindow: number | undefined;
  if (modelType === 'llama') {
    queryKeyValueBias = outputBias = field.boolean('attention_bias', false);
    feedForwardBias = field.boolean('mlp_bias', false);
  } else if (modelType === 'qwen2') {
    queryKeyValueBias = true; // Qwen2Attention: q/k/v_proj with bias, o_proj without
    if (field.boolean('use_sliding_window', false)) {
      throw new TesseraError(
        'E_HF_CONFIG',
        'qwen2 use_sliding_window: true is not supported (its per-layer windows, max_window_layers); Qwen2.5 checkpoints ship it false',
      );
    }
  } else if (config.sliding_window !== null) {
    slidingWindow = field.integer('sliding_window', DEFAULT_MISTRAL_SLIDING_WINDOW);
  }
  const { ropeTheta, ropeScaling } = ropeFromHuggingFace(config, modelType);
  const tessera: LlamaConfig = {
    family: modelType,
    vocabularySize: field.integer('vocab_size'),
    blockSize: field.integer('max_position_embeddings', defaultMaxPositionEmbeddings[modelType]),
    layerCount: field.integer('num_hidden_layers'),
    headCount,
    keyValueHeadCount,
    embeddingSize,
    headSize,
    feedForwardSize: field.integer('intermediate_size'),
    normEpsilon: field.number('rms_norm_eps', DEFAULT_RMS_NORM_EPS),
    ropeTheta,
    ...(ropeScaling === undefined ? {} : { ropeScaling }),
    queryKeyValueBias,
    outputBias,
    feedForwardBias,
    tieWordEmbeddings: field.boolean('tie_word_embeddings', false),
    ...(slidingWindow === undefined ? {} : { slidingWindow }),
  };
  return validateLlamaConfig(tessera);
}

const sameRope = (
  a: { ropeTheta: number; ropeScaling: RopeScaling | undefined },
  b: { ropeTheta: number; ropeScaling?: RopeScaling | undefined },
) => a.ropeTheta === b.ropeTheta && JSON.stringify(a.ropeScaling) === JSON.stringify(b.ropeScaling);

function ropeScalingToHuggingFace(scaling: RopeScaling | undefined): Record<string, unknown> | null {
  if (scaling === undefined) return null;
  if (scaling.type === 'linear') return { rope_type: 'linear', factor: scaling.factor };
  return {
    rope_type: 'llama3',
    factor: scaling.factor,
    low_freq_factor: scaling.lowFrequencyFactor,
    high_freq_factor: scaling.highFrequencyFactor,
    original_max_position_embeddings: scaling.originalMaxPositionEmbeddings,
  };
}

/**
 * config.json for a Tessera LlamaConfig, as model_type `config.family`, keeping `original`'s other
 * fields (so a loaded directory saves back the same config). Fields transformers would default
 * are written only when `original` had them or the value differs from the default. Fails when
 * the family cannot express the config (e.g. a Qwen2 without its q/k/v bias, a Llama with a
 * sliding window).
 */
export function llamaConfigToHuggingFace(
  config: LlamaConfig,
  original: Partial<LlamaHuggingFaceConfig> = {},
): LlamaHuggingFaceConfig {
  validateLlamaConfig(config);
  const family = config.family;
  const cannot = (detail: string): never => {
    throw new TesseraError('E_HF_CONFIG', `a ${family} config.json cannot express ${detail}`);
  };
  const result: LlamaHuggingFaceConfig = {
    ...original,
    architectures: original.architectures ?? [llamaFamilyArchitectures[family]],
    model_type: family,
    vocab_size: config.vocabularySize,
    hidden_size: config.embeddingSize,
    intermediate_size: config.feedForwardSize,
    num_hidden_layers: config.layerCount,
    num_attention_heads: config.headCount,
    num_key_value_heads: config.keyValueHeadCount,
    hidden_act: 'silu',
    max_position_embeddings: config.blockSize,
    rms_norm_eps: config.normEpsilon,
    tie_word_embeddings: config.tieWordEmbeddings,
  };
  const optional = (name: string, value: unknown, fallback: unknown) => {
    if ((original[name] !== undefined && original[name] !== null) || value !== fallback) result[name] = value;
  };
  optional('head_dim', config.headSize, config.embeddingSize / config.headCount);
  const bias = [config.queryKeyValueBias, config.outputBias, config.feedForwardBias];
  if (family === 'llama') {
    if (config.queryKeyValueBias !== config.outputBias) {
      cannot(
        'a bias on q/k/v_proj but not o_proj (or the reverse): attention_bias covers all four (a qwen2 has q/k/v bias only)',
      );
    }
    optional('attention_bias', config.queryKeyValueBias, false);
    optional('mlp_bias', config.feedForwardBias, false);
  } else if (family === 'qwen2') {
    if (!(bias[0] && !bias[1] && !bias[2])) cannot('biases other than on q/k/v_proj (which it always has)');
  } else if (bias.some((flag) => flag)) {
    cannot('biases');
  }
  if (family === 'mistral') result.sliding_window = config.slidingWindow ?? null;
  else if (config.slidingWindow !== undefined) cannot('a sliding window (a mistral can)');
  const originalRope = (() => {
    try {
      return ropeFromHuggingFace(original, family);
    } catch {
      return undefined;
    }
  })();
  // Keep the original's spelling (rope_type or type, rope_parameters) when it says the same.
  if (originalRope === undefined || !sameRope(originalRope, config)) {
    delete result.rope_parameters;
    result.rope_theta = config.ropeTheta;
    result.rope_scaling = ropeScalingToHuggingFace(config.ropeScaling);
  }
  if (result.torch_dtype === undefined && result.dtype === undefined) result.torch_dtype = 'float32';
  return result;
}
