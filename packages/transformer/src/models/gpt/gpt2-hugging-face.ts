import { TesseraError, type tf } from '@tessera/core';
import type { GPTConfig } from './gpt-config.js';

/** Hugging Face's GPT2Config fields that matter here (config.json of a model_type 'gpt2'). */
export interface GPT2HuggingFaceConfig {
  model_type: 'gpt2';
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  n_inner?: number | null;
  activation_function?: string;
  layer_norm_epsilon?: number;
  resid_pdrop?: number;
  tie_word_embeddings?: boolean;
  [field: string]: unknown;
}

const activations: Record<string, GPTConfig['activation']> = {
  gelu_new: 'gelu-tanh',
  gelu_pytorch_tanh: 'gelu-tanh',
  gelu_fast: 'gelu-tanh',
  gelu: 'gelu',
};

export function gptConfigFromHuggingFace(config: GPT2HuggingFaceConfig): GPTConfig {
  const activationName = config.activation_function ?? 'gelu_new';
  const activation = activations[activationName];
  if (activation === undefined) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `gpt2 activation_function '${activationName}' is not supported (supported: ${Object.keys(activations).join(', ')})`,
    );
  }
  if (config.n_inner !== undefined && config.n_inner !== null && config.n_inner !== 4 * config.n_embd) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `gpt2 n_inner ${config.n_inner} is not supported: Tessera's GPT uses 4 × n_embd`,
    );
  }
  if (config.tie_word_embeddings === false) {
    throw new TesseraError('E_HF_CONFIG', 'gpt2 with untied word embeddings is not supported');
  }
  return {
    vocabularySize: config.vocab_size,
    blockSize: config.n_positions,
    layerCount: config.n_layer,
    headCount: config.n_head,
    embeddingSize: config.n_embd,
    dropout: config.resid_pdrop ?? 0,
    bias: true,
    activation,
    layerNormEpsilon: config.layer_norm_epsilon ?? 1e-5,
  };
}

export function gptConfigToHuggingFace(
  config: GPTConfig,
  original: Partial<GPT2HuggingFaceConfig> = {},
): GPT2HuggingFaceConfig {
  return {
    ...original,
    architectures: original.architectures ?? ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabularySize,
    n_positions: config.blockSize,
    n_embd: config.embeddingSize,
    n_layer: config.layerCount,
    n_head: config.headCount,
    activation_function: config.activation === 'gelu' ? 'gelu' : (original.activation_function ?? 'gelu_new'),
    layer_norm_epsilon: config.layerNormEpsilon,
    resid_pdrop: config.dropout,
    tie_word_embeddings: true,
  };
}

/** Hugging Face GPT-2 suffixes → Tessera module paths, per block and at the top level. */
const blockNames: Array<[string, string]> = [
  ['ln_1', 'attentionNorm'],
  ['attn.c_attn', 'attention.queryKeyValue'],
  ['attn.c_proj', 'attention.output'],
  ['ln_2', 'feedForwardNorm'],
  ['mlp.c_fc', 'feedForward.expand'],
  ['mlp.c_proj', 'feedForward.contract'],
];
const topNames: Array<[string, string]> = [
  ['wte', 'tokenEmbedding'],
  ['wpe', 'positionEmbedding'],
  ['ln_f', 'finalNorm'],
];

/**
 * Renames a GPT-2 state dict to Tessera's names. GPT-2's Conv1D stores weights [in, out], as
 * Tessera's Linear does, so nothing is transposed. Accepts names with or without the
 * `transformer.` prefix; drops the causal-mask buffers older checkpoints carry and a tied lm_head.
 */
export function gpt2StateToTessera(state: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const renamed: Record<string, tf.Tensor> = {};
  for (const [name, tensor] of Object.entries(state)) {
    const bare = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
    if (/^h\.\d+\.attn\.(masked_)?bias$/.test(bare) || bare === 'lm_head.weight') continue;
    const block = /^h\.(\d+)\.(.+)\.(weight|bias)$/.exec(bare);
    const top = /^(wte|wpe|ln_f)\.(weight|bias)$/.exec(bare);
    const mapped = block
      ? blockNames.find(([hugging]) => hugging === block[2])
      : top
        ? topNames.find(([hugging]) => hugging === top[1])
        : undefined;
    if (mapped === undefined)
      throw new TesseraError('E_HF_WEIGHTS', `unexpected tensor '${name}' in a gpt2 checkpoint`);
    renamed[block ? `blocks.${block[1]}.${mapped[1]}.${block[3]}` : `${mapped[1]}.${(top as RegExpExecArray)[2]}`] =
      tensor;
  }
  return renamed;
}

/** The inverse of gpt2StateToTessera, with the `transformer.` prefix Hugging Face writes. */
export function tesseraStateToGpt2(state: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const renamed: Record<string, tf.Tensor> = {};
  for (const [name, tensor] of Object.entries(state)) {
    const block = /^blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
    const top = /^(tokenEmbedding|positionEmbedding|finalNorm)\.(weight|bias)$/.exec(name);
    const mapped = block
      ? blockNames.find(([, tessera]) => tessera === block[2])
      : top
        ? topNames.find(([, tessera]) => tessera === top[1])
        : undefined;
    if (mapped === undefined) throw new TesseraError('E_HF_WEIGHTS', `'${name}' has no GPT-2 counterpart`);
    renamed[
      `transformer.${block ? `h.${block[1]}.${mapped[0]}.${block[3]}` : `${mapped[0]}.${(top as RegExpExecArray)[2]}`}`
    ] = tensor;
  }
  return renamed;
}
