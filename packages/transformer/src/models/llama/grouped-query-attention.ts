import { type Initializer, Linear, Module, type RandomGenerator, tf, zeros } from '@tessera/core';
import { fusedScaledDotProductAttention, fusedScaledDotProductAttentionAvailable } from '@tessera/core/backend';
import type { KeyValueCache } from '../../attention/multi-head-attention.js';
import type { LlamaConfig } from './llama-config.js';
import { applyRotaryEmbedding } from './rotary-embedding.js';

/** cos and sin of the positions being computed: [time, headSize / 2] each (see RotaryEmbedding.angles). */
export type RotaryAngles = { cos: tf.Tensor; sin: tf.Tensor };

/** The additive score for a blocked key: finite, so a fully masked row gives a uniform softmax rather than NaN. */
const BLOCKED = -1e9;
const maskValues = new Map<string, Float32Array>();

/**
 * The mask of `groups` stacked copies of `rows` queries at positions past … past + rows − 1 over
 * `columns` keys: 0 where query position i may see key j (j ≤ i, and i − j < window when there is
 * a sliding window), BLOCKED elsewhere. Built in JavaScript once per shape. [1, 1, groups·rows, columns]
 */
function attentionMask(groups: number, rows: number, columns: number, past: number, window: number | undefined) {
  const key = `${groups}x${rows}x${columns}+${past}/${window}`;
  let values = maskValues.get(key);
  if (values === undefined) {
    values = new Float32Array(groups * rows * columns);
    for (let row = 0; row < rows; row++) {
      const position = past + row;
      const offset = row * columns;
      values.fill(BLOCKED, offset + position + 1, offset + columns);
      if (window !== undefined) values.fill(BLOCKED, offset, offset + Math.max(0, position - window + 1));
    }
    for (let group = 1; group < groups; group++) values.copyWithin(group * rows * columns, 0, rows * columns);
    if (maskValues.size >= 256) maskValues.clear(); // bounded: prompts of many lengths
    maskValues.set(key, values);
  }
  // A copy: tfjs-cpu keeps the array it is given as the tensor's storage, and dataSync hands it out.
  return tf.tensor4d(values.slice(), [1, 1, groups * rows, columns]);
}

/**
 * Causal self-attention with grouped-query attention (Ainslie et al. 2023): `headCount` query
 * heads share `keyValueHeadCount` key/value heads, query head h reading key/value head
 * ⌊h / groups⌋ (Hugging Face's `repeat_kv`). The repeat is never materialised: the queries of one
 * group are stacked along the time axis, [batch, kvHeads, groups·time, headSize], so one matMul
 * against the group's keys scores them all, and the cache stores each key/value head once.
 * Rotary embeddings turn the queries and keys before scoring (and before keys are cached).
 */
export class GroupedQueryAttention extends Module<[tf.Tensor, RotaryAngles], tf.Tensor> {
  readonly query: Linear; // [embedding, heads·headSize]
  readonly key: Linear; // [embedding, kvHeads·headSize]
  readonly value: Linear; // [embedding, kvHeads·headSize]
  readonly output: Linear; // [heads·headSize, embedding]
  readonly headCount: number;
  readonly keyValueHeadCount: number;
  readonly headSize: number;
  readonly slidingWindow: number | undefined;

  constructor(
    config: LlamaConfig,
    options: { random: RandomGenerator; weightInitializer: Initializer; outputInitializer: Initializer },
  ) {
    super();
    const { embeddingSize, headCount, keyValueHeadCount, headSize } = config;
    const linear = (inputs: number, outputs: number, bias: boolean, initializer = options.weightInitializer) =>
      new Linear(inputs, outputs, {
        bias,
        weightInitializer: initializer,
        biasInitializer: zeros(),
        random: options.random,
      });
    this.query = this.registerModule('query', linear(embeddingSize, headCount * headSize, config.queryKeyValueBias));
    this.key = this.registerModule(
      'key',
      linear(embeddingSize, keyValueHeadCount * headSize, config.queryKeyValueBias),
    );
    this.value = this.registerModule(
      'value',
      linear(embeddingSize, keyValueHeadCount * headSize, config.queryKeyValueBias),
    );
    this.output = this.registerModule(
      'output',
      linear(headCount * headSize, embeddingSize, config.outputBias, options.outputInitializer),
    );
    this.headCount = headCount;
    this.keyValueHeadCount = keyValueHeadCount;
    this.headSize = headSize;
    this.slidingWindow = config.slidingWindow;
  }

  /** A projection [batch, time, n·headSize] as n heads [batch, n, time, headSize]. */
  private toHeads(projected: tf.Tensor, heads: number): tf.Tensor {
    const [batch, time] = projected.shape as [number, number, number];
    return tf.transpose(tf.reshape(projected, [batch, time, heads, this.headSize]), [0, 2, 1, 3]);
  }

  forward(x: tf.Tensor, angles: RotaryAngles): tf.Tensor {
    return this.attendIncremental(x, angles, undefined, false).output;
  }

  /**
   * Attention for new positions x [batch, new, embedding] given the cache of earlier ones
   * (undefined: none); `angles` are those of the new positions. Returns the output
   * [batch, new, embedding] and, unless `extendCache` is false, the cache extended by the new
   * keys and values (the caller disposes the old one). Equals attending over the whole sequence
   * and keeping the last `new` rows.
   */
  attendIncremental(
    x: tf.Tensor,
    angles: RotaryAngles,
    cache: KeyValueCache | undefined,
    extendCache = true,
  ): { output: tf.Tensor; cache: KeyValueCache | undefined } {
    return tf.tidy(() => {
      const [batch, fresh] = x.shape as [number, number, number];
      const groups = this.headCount / this.keyValueHeadCount;
      const query = applyRotaryEmbedding(this.toHeads(this.query.forward(x), this.headCount), angles.cos, angles.sin); // [batch, heads, new, headSize]
      const newKey = applyRotaryEmbedding(
        this.toHeads(this.key.forward(x), this.keyValueHeadCount),
        angles.cos,
        angles.sin,
      ); // [batch, kvHeads, new, headSize]
      const newValue = this.toHeads(this.value.forward(x), this.keyValueHeadCount);
      const key = cache === undefined ? newKey : tf.concat([cache.key, newKey], 2); // [batch, kvHeads, total, headSize]
      const value = cache === undefined ? newValue : tf.concat([cache.value, newValue], 2);
      const total = key.shape[2] as number;
      const past = total - fresh;
      // Query head h = kvHead·groups + g, so this reshape stacks each key/value head's group of queries.
      const grouped = tf.reshape(query, [batch, this.keyValueHeadCount, groups * fresh, this.headSize]);
      const window = this.slidingWindow;
      // A single new position sees every cached key unless the window has slid past some of them.
      const masked = fresh > 1 || (window !== undefined && past + fresh - 1 >= window);
      const mask = masked ? attentionMask(groups, fresh, total, past, window) : undefined;
      const scale = 1 / Math.sqrt(this.headSize);
      let attended: tf.Tensor; // [batch, kvHeads, groups·new, headSize]
      if (fusedScaledDotProductAttentionAvailable()) {
        attended = fusedScaledDotProductAttention(grouped, key, value, mask, scale);
      } else {
        // The key transposed explicitly: matMul with transposeB is slow on wasm.
        let scores = tf.mul(tf.matMul(grouped, tf.transpose(key, [0, 1, 3, 2])), scale); // [batch, kvHeads, groups·new, total]
        if (mask !== undefined) scores = tf.add(scores, mask);
        attended = tf.matMul(tf.softmax(scores, -1), value);
      }
      const heads = tf.reshape(attended, [batch, this.headCount, fresh, this.headSize]);
      const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch, fresh, this.headCount * this.headSize]);
      return { output: this.output.forward(merged), cache: extendCache ? { key, value } : undefined };
    });
  }
}
