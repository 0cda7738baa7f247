import {
  Dropout,
  type Initializer,
  Linear,
  Module,
  type RandomGenerator,
  TesseraError,
  tf,
  zeros,
} from '@tessera/core';
import { fusedScaledDotProductAttention, fusedScaledDotProductAttentionAvailable } from '@tessera/core/backend';

export interface MultiHeadAttentionOptions {
  embeddingSize: number;
  headCount: number;
  /** Each position sees only itself and earlier ones (GPT); otherwise every position (BERT). */
  causal: boolean;
  /** Dropout on the attention weights and on the output (default 0). */
  dropout?: number;
  bias?: boolean;
  weightInitializer?: Initializer;
  /** Initialiser of the output projection (GPT-2 scales it down by √(2·layers)). */
  outputInitializer?: Initializer;
  random?: RandomGenerator;
}

export interface AttentionInputs {
  /** `[batch, time]`: 1 for real tokens, 0 for padding (keys that are 0 are never attended to). */
  attentionMask?: tf.Tensor;
}

/** Keys and values of the positions seen so far, per layer, for incremental decoding. */
// A type, not an interface, so it is a tf.TensorContainer (tidy can return it).
export type KeyValueCache = {
  key: tf.Tensor; // [batch, heads, past, headSize]
  value: tf.Tensor; // [batch, heads, past, headSize]
};

export interface AttentionOutput {
  output: tf.Tensor; // [batch, time, embedding]
  /** [batch, heads, time, time], present when asked for. */
  attentionWeights?: tf.Tensor;
}

/** The additive score for a blocked key: finite, so a fully masked row gives a uniform softmax rather than NaN. */
const BLOCKED = -1e9;
const causalMaskValues = new Map<string, Float32Array>();

/**
 * The causal mask for `rows` queries at positions past … past + rows − 1 over `columns` keys:
 * 0 where key j ≤ query position, BLOCKED after. Built in JavaScript once per shape and uploaded
 * (a handful of tiny kernels per layer per step otherwise). [1, 1, rows, columns]
 */
function causalMask(rows: number, columns: number, past: number): tf.Tensor {
  const key = `${rows}x${columns}+${past}`;
  let values = causalMaskValues.get(key);
  if (values === undefined) {
    values = new Float32Array(rows * columns);
    for (let row = 0; row < rows; row++) values.fill(BLOCKED, row * columns + past + row + 1, (row + 1) * columns);
    if (causalMaskValues.size >= 256) causalMaskValues.clear(); // bounded: prompts of many lengths
    causalMaskValues.set(key, values);
  }
  // A copy: tfjs-cpu keeps the array it is given as the tensor's storage, and dataSync hands it out.
  return tf.tensor4d(values.slice(), [1, 1, rows, columns]);
}

/**
 * Multi-head self-attention (Vaswani et al. 2017) with one fused query/key/value projection.
 * Written for TensorFlow.js's wasm backend, where matMul with transposed operands and split of
 * high-rank tensors are slow: the projection is split while still 3-D, and keys are transposed
 * explicitly.
 */
export class MultiHeadSelfAttention extends Module<[tf.Tensor, AttentionInputs?], tf.Tensor> {
  readonly queryKeyValue: Linear; // [embedding, 3·embedding]
  readonly output: Linear; // [embedding, embedding]
  readonly attentionDropout: Dropout;
  readonly outputDropout: Dropout;
  readonly headCount: number;
  readonly headSize: number;
  readonly causal: boolean;

  constructor(options: MultiHeadAttentionOptions) {
    super();
    const { embeddingSize, headCount } = options;
    if (embeddingSize % headCount !== 0) {
      throw new TesseraError(
        'E_LAYER_CONFIG',
        `embeddingSize ${embeddingSize} must be divisible by headCount ${headCount}`,
      );
    }
    const linear = (initializer: Initializer | undefined) => ({
      bias: options.bias !== false,
      ...(initializer === undefined ? {} : { weightInitializer: initializer, biasInitializer: zeros() }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.queryKeyValue = this.registerModule(
      'queryKeyValue',
      new Linear(embeddingSize, 3 * embeddingSize, linear(options.weightInitializer)),
    );
    this.output = this.registerModule(
      'output',
      new Linear(embeddingSize, embeddingSize, linear(options.outputInitializer ?? options.weightInitializer)),
    );
    const dropoutOptions = options.random === undefined ? {} : { random: options.random };
    this.attentionDropout = this.registerModule('attentionDropout', new Dropout(options.dropout ?? 0, dropoutOptions));
    this.outputDropout = this.registerModule('outputDropout', new Dropout(options.dropout ?? 0, dropoutOptions));
    this.headCount = headCount;
    this.headSize = embeddingSize / headCount;
    this.causal = options.causal;
  }

  /**
   * The fused projection [batch, time, 3·embedding] as query, key and value heads, each
   * [batch, heads, time, headSize]; the key is [batch, heads, headSize, time] when `transposeKey`
   * (for the scores, in one transpose rather than two). One split along the last axis while the
   * tensor is 3-D: its gradient is one concat, where three slices cost three zero-pads and their
   * sum (measured in the nanoGPT-baby step: 15% faster on torch, no measurable difference on wasm,
   * where splitting a 5-D tensor instead is ~100× slower).
   */
  private splitHeads(projected: tf.Tensor, transposeKey: boolean): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const [batch, time] = projected.shape as [number, number, number];
    const [query, key, value] = tf.split(projected, 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor]; // [batch, time, embedding] each
    const toHeads = (part: tf.Tensor, transposed: boolean) =>
      tf.transpose(
        tf.reshape(part, [batch, time, this.headCount, this.headSize]),
        transposed ? [0, 2, 3, 1] : [0, 2, 1, 3],
      );
    return [toHeads(query, false), toHeads(key, transposeKey), toHeads(value, false)];
  }

  /** Heads [batch, heads, time, headSize] back to [batch, time, embedding], through the output projection. */
  private mergeHeads(attended: tf.Tensor): tf.Tensor {
    const [batch, , time] = attended.shape as [number, number, number, number];
    return this.output.forward(
      tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, time, this.headCount * this.headSize]),
    );
  }

  forward(x: tf.Tensor, inputs: AttentionInputs = {}): tf.Tensor {
    return this.attend(x, inputs, false).output;
  }

  /** Like forward, optionally also returning the attention weights. */
  attend(x: tf.Tensor, inputs: AttentionInputs = {}, returnAttentionWeights = false): AttentionOutput {
    const time = x.shape[1] as number;
    const result = tf.tidy(() => {
      const projected = this.queryKeyValue.forward(x); // [batch, time, 3·embedding]
      // [batch, heads, time, headSize], key [batch, heads, headSize, time]
      const mask = this.additiveMask(time, inputs.attentionMask);
      const attentionDropoutActive = this.attentionDropout.training && this.attentionDropout.rate > 0;
      if (!returnAttentionWeights && !attentionDropoutActive && fusedScaledDotProductAttentionAvailable()) {
        // One kernel for scores, mask, softmax and values (and one for their gradient), where the backend has it.
        const [query, key, value] = this.splitHeads(projected, false); // [batch, heads, time, headSize] each
        const attended = fusedScaledDotProductAttention(query, key, value, mask, 1 / Math.sqrt(this.headSize));
        return { output: this.outputDropout.forward(this.mergeHeads(attended)) };
      }
      const [query, keyTransposed, value] = this.splitHeads(projected, true);
      let scores = tf.div(tf.matMul(query, keyTransposed), Math.sqrt(this.headSize)); // [batch, heads, time, time]
      if (mask !== undefined) scores = tf.add(scores, mask);
      const weights = tf.softmax(scores, -1);
      const attended = tf.matMul(this.attentionDropout.forward(weights), value); // [batch, heads, time, headSize]
      const output = this.outputDropout.forward(this.mergeHeads(attended));
      return returnAttentionWeights ? { output, attentionWeights: weights } : { output };
    });
    return result;
  }

  /**
   * Causal attention for new positions given the cache of earlier ones: x [batch, new, embedding]
   * attends to the cached keys and values plus its own. Returns the output for the new positions
   * and the extended cache (the caller disposes the old one). Equals running forward on the
   * whole sequence and keeping the last `new` rows.
   */
  attendIncremental(x: tf.Tensor, cache: KeyValueCache | undefined): { output: tf.Tensor; cache: KeyValueCache } {
    if (!this.causal) throw new TesseraError('E_ATTENTION_CACHE', 'a key/value cache is for causal attention');
    const fresh = x.shape[1] as number;
    return tf.tidy(() => {
      const projected = this.queryKeyValue.forward(x); // [batch, new, 3·embedding]
      const [query, newKey, newValue] = this.splitHeads(projected, false); // [batch, heads, new, headSize] each
      const key = cache === undefined ? newKey : tf.concat([cache.key, newKey], 2); // [batch, heads, total, headSize]
      const value = cache === undefined ? newValue : tf.concat([cache.value, newValue], 2);
      const total = key.shape[2] as number;
      const past = total - fresh;
      let scores = tf.div(tf.matMul(query, tf.transpose(key, [0, 1, 3, 2])), Math.sqrt(this.headSize)); // [batch, heads, new, total]
      // New query i sits at position past + i and may see keys 0 … past + i.
      if (fresh > 1) scores = tf.add(scores, causalMask(fresh, total, past));
      const attended = tf.matMul(tf.softmax(scores, -1), value); // [batch, heads, new, headSize]
      return { output: this.mergeHeads(attended), cache: { key, value } };
    });
  }

  /** 0 where attention is allowed, a large negative number where not: [1|batch, 1, time, time]. */
  private additiveMask(time: number, attentionMask: tf.Tensor | undefined): tf.Tensor | undefined {
    let mask: tf.Tensor | undefined = this.causal ? causalMask(time, time, 0) : undefined;
    if (attentionMask !== undefined) {
      const [batch] = attentionMask.shape as [number, number];
      const padding = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), BLOCKED), [batch, 1, 1, time]);
      mask = mask === undefined ? padding : tf.add(mask, padding);
    }
    return mask;
  }
}
