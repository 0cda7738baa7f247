/**
 * Tessera's fused kernels: whole operations (GELU, layer norm, softmax cross-entropy, an Adam step…)
 * that a backend may implement as one tfjs kernel instead of the dozen small kernels they are
 * composed of. `@tessera/core` runs a fused kernel where the active backend registers it (and its
 * gradient kernel), and the composed ops everywhere else. Inputs, attributes and outputs:
 *
 *   TesseraGelu                 { x }                                  GeluAttributes -> [y]
 *   TesseraGeluGrad             { dy, x }                              GeluAttributes -> [dx]
 *   TesseraLayerNorm            { x, weight?, bias? }                  LayerNormAttributes
 *                               -> [y, mean [..., 1], reciprocalStandardDeviation [..., 1]]
 *   TesseraLayerNormGrad        { dy, x, mean, reciprocalStandardDeviation, weight?, bias? }
 *                               -> [dx, dweight (if weight), dbias (if bias)]
 *   TesseraEmbedding            { weight [count, dimension], ids [...] int32 } -> [vectors [..., dimension]]
 *   TesseraEmbeddingGrad        { dy [..., dimension], ids }           EmbeddingGradAttributes -> [dweight]
 *   TesseraLinear               { x [..., in], weight [in, out], bias? [out] } -> [y [..., out]]
 *   TesseraLinearGrad           { dy, x, weight, bias? }               -> [dx, dweight, dbias (if bias)]
 *   TesseraScaledDotProductAttention
 *                               { query [batch, heads, time, size], key [batch, heads, keys, size],
 *                                 value [batch, heads, keys, size], mask? (additive, broadcast) }
 *                               ScaledDotProductAttentionAttributes
 *                               -> [output [batch, heads, time, size], weights [batch, heads, time, keys]]
 *   TesseraScaledDotProductAttentionGrad
 *                               { dy, query, key, value, weights }     ScaledDotProductAttentionAttributes
 *                               -> [dquery, dkey, dvalue]
 *   TesseraSoftmaxCrossEntropy  { logits [rows, classes], targets [rows] int32 }  SoftmaxCrossEntropyAttributes
 *                               -> [loss (scalar), logProbabilities, keptCount (scalar)]
 *   TesseraSoftmaxCrossEntropyGrad
 *                               { dy, logProbabilities, targets, keptCount }  SoftmaxCrossEntropyAttributes
 *                               -> [dlogits]
 *   TesseraAdamUpdate           { parameter, gradient, firstMoment, secondMoment }  AdamUpdateAttributes
 *                               -> [parameter', firstMoment', secondMoment']
 *   TesseraClipByGlobalNorm     { 0: g0, 1: g1, … }                    ClipByGlobalNormAttributes
 *                               -> [g0·s, g1·s, …, norm], s = min(1, maxNorm / (norm + 1e-6))
 *
 * Semantics are PyTorch's (F.gelu, F.layer_norm, F.embedding, F.linear with the weight stored
 * [in, out], F.scaled_dot_product_attention without dropout, F.cross_entropy with reduction 'mean'
 * and ignore_index, torch.optim.AdamW, clip_grad_norm_).
 */
export const FusedKernelName = {
  gelu: 'TesseraGelu',
  geluGrad: 'TesseraGeluGrad',
  layerNorm: 'TesseraLayerNorm',
  layerNormGrad: 'TesseraLayerNormGrad',
  embedding: 'TesseraEmbedding',
  embeddingGrad: 'TesseraEmbeddingGrad',
  linear: 'TesseraLinear',
  linearGrad: 'TesseraLinearGrad',
  scaledDotProductAttention: 'TesseraScaledDotProductAttention',
  scaledDotProductAttentionGrad: 'TesseraScaledDotProductAttentionGrad',
  softmaxCrossEntropy: 'TesseraSoftmaxCrossEntropy',
  softmaxCrossEntropyGrad: 'TesseraSoftmaxCrossEntropyGrad',
  adamUpdate: 'TesseraAdamUpdate',
  clipByGlobalNorm: 'TesseraClipByGlobalNorm',
} as const;

export type FusedKernelName = (typeof FusedKernelName)[keyof typeof FusedKernelName];

export interface GeluAttributes {
  /** 'none' is the exact erf form, 'tanh' GPT-2's approximation (PyTorch's F.gelu argument). */
  approximate: 'none' | 'tanh';
}

export interface LayerNormAttributes {
  epsilon: number;
}

export interface EmbeddingGradAttributes {
  /** Rows of the embedding table (the gradient's first dimension). */
  count: number;
}

export interface ScaledDotProductAttentionAttributes {
  /** Multiplies query·keyᵀ before the mask and softmax (usually 1/√size). */
  scale: number;
}

export interface SoftmaxCrossEntropyAttributes {
  /** Rows whose target equals this are left out of both the loss and its mean's count. */
  ignoreIndex: number;
}

export interface AdamUpdateAttributes {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** The optimizer's step count for this parameter, from 1 (bias correction). */
  step: number;
  /** p is multiplied by this before the Adam step: 1 − lr·λ for AdamW's decoupled decay, else 1. */
  decayFactor: number;
}

export interface ClipByGlobalNormAttributes {
  maxNorm: number;
}
