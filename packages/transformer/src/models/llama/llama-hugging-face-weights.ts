/**
 * Tensor names between Hugging Face's Llama-family checkpoints (LlamaForCausalLM, and Mistral's
 * and Qwen2's, which name them the same) and Tessera's `Llama`. PyTorch's nn.Linear stores its
 * weight [out, in] and Tessera's Linear [in, out], so every projection's weight is transposed on
 * the way in and out; embeddings, norms and biases are not.
 */

/** Where a tensor goes: the other side's name, and whether its (2-D) values are transposed on the way. */
export interface TensorCorrespondence {
  name: string;
  transpose: boolean;
}

/** Hugging Face suffixes inside `model.layers.N.` → Tessera paths inside `layers.N.`; all Linear layers but the norms. */
const layerNames: ReadonlyArray<readonly [string, string]> = [
  ['self_attn.q_proj', 'attention.query'],
  ['self_attn.k_proj', 'attention.key'],
  ['self_attn.v_proj', 'attention.value'],
  ['self_attn.o_proj', 'attention.output'],
  ['mlp.gate_proj', 'feedForward.gate'],
  ['mlp.up_proj', 'feedForward.up'],
  ['mlp.down_proj', 'feedForward.down'],
  ['input_layernorm', 'attentionNorm'],
  ['post_attention_layernorm', 'feedForwardNorm'],
];
const NORMS = new Set(['attentionNorm', 'feedForwardNorm']);

/** Buffers older checkpoints carry that the model recomputes (RoPE's inverse frequencies). */
const IGNORED = /^(model\.)?layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

/**
 * The Tessera parameter a Hugging Face tensor loads into; 'ignored' for buffers the model
 * recomputes; undefined for a name no Llama-family model has. Names without the `model.`
 * prefix (a bare LlamaModel's) are accepted too.
 */
export function tesseraNameOfLlamaTensor(name: string): TensorCorrespondence | 'ignored' | undefined {
  if (IGNORED.test(name)) return 'ignored';
  if (name === 'lm_head.weight') return { name: 'languageModelHead.weight', transpose: true };
  const bare = name.startsWith('model.') ? name.slice('model.'.length) : name;
  if (bare === 'embed_tokens.weight') return { name: 'tokenEmbedding.weight', transpose: false };
  if (bare === 'norm.weight') return { name: 'finalNorm.weight', transpose: false };
  const layer = /^layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(bare);
  if (layer === null) return undefined;
  const [, index, module, kind] = layer as unknown as [string, string, string, 'weight' | 'bias'];
  const mapped = layerNames.find(([huggingFace]) => huggingFace === module)?.[1];
  if (mapped === undefined || (NORMS.has(mapped) && kind === 'bias')) return undefined;
  return { name: `layers.${index}.${mapped}.${kind}`, transpose: kind === 'weight' && !NORMS.has(mapped) };
}

/** The Hugging Face tensor a Tessera `Llama` parameter is saved as; undefined for one it has no counterpart for (e.g. LoRA adapters). */
export function huggingFaceNameOfLlamaParameter(name: string): TensorCorrespondence | undefined {
  if (name === 'languageModelHead.weight') return { name: 'lm_head.weight', transpose: true };
  if (name === 'tokenEmbedding.weight') return { name: 'model.embed_tokens.weight', transpose: false };
  if (name === 'finalNorm.weight') return { name: 'model.norm.weight', transpose: false };
  const layer = /^layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (layer === null) return undefined;
  const [, index, module, kind] = layer as unknown as [string, string, string, 'weight' | 'bias'];
  const mapped = layerNames.find(([, tessera]) => tessera === module)?.[0];
  if (mapped === undefined || (NORMS.has(module) && kind === 'bias')) return undefined;
  return { name: `model.layers.${index}.${mapped}.${kind}`, transpose: kind === 'weight' && !NORMS.has(module) };
}
