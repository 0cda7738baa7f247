import {
  Embedding,
  getGlobalRandom,
  type Initializer,
  Linear,
  Module,
  ModuleList,
  normal,
  type RandomGenerator,
  RMSNorm,
  silu,
  TesseraError,
  tf,
  zeros,
} from '@tessera/core';
import type { KeyValueCache } from '../../attention/multi-head-attention.js';
import { GroupedQueryAttention, type RotaryAngles } from './grouped-query-attention.js';
import { type LlamaConfig, validateLlamaConfig } from './llama-config.js';
import { RotaryEmbedding } from './rotary-embedding.js';

export interface LlamaOptions {
  /** Generator for the initial weights; default the global one (see setGlobalSeed). */
  random?: RandomGenerator;
  /**
   * 'normal' (default): N(0, 0.02²) weights and zero biases, as transformers initialises a
   * LlamaForCausalLM. 'zeros': skip drawing values a checkpoint is about to overwrite.
   */
  initialization?: 'normal' | 'zeros';
}

interface LayerInitializers {
  random: RandomGenerator;
  weightInitializer: Initializer;
  outputInitializer: Initializer;
}

/** SwiGLU (Shazeer 2020): down(silu(gate(x)) ⊙ up(x)). */
export class LlamaFeedForward extends Module<[tf.Tensor], tf.Tensor> {
  readonly gate: Linear; // [embedding, feedForward]
  readonly up: Linear; // [embedding, feedForward]
  readonly down: Linear; // [feedForward, embedding]

  constructor(config: LlamaConfig, initializers: LayerInitializers) {
    super();
    const { embeddingSize, feedForwardSize, feedForwardBias: bias } = config;
    const linear = (inputs: number, outputs: number) =>
      new Linear(inputs, outputs, {
        bias,
        weightInitializer: initializers.weightInitializer,
        biasInitializer: zeros(),
        random: initializers.random,
      });
    this.gate = this.registerModule('gate', linear(embeddingSize, feedForwardSize));
    this.up = this.registerModule('up', linear(embeddingSize, feedForwardSize));
    this.down = this.registerModule('down', linear(feedForwardSize, embeddingSize));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.down.forward(tf.mul(silu(this.gate.forward(x)), this.up.forward(x))));
  }
}

/** A pre-norm decoder layer: x + attention(rmsNorm(x)), then x + feedForward(rmsNorm(x)). */
export class LlamaDecoderLayer extends Module<[tf.Tensor, RotaryAngles], tf.Tensor> {
  readonly attentionNorm: RMSNorm;
  readonly attention: GroupedQueryAttention;
  readonly feedForwardNorm: RMSNorm;
  readonly feedForward: LlamaFeedForward;

  constructor(config: LlamaConfig, initializers: LayerInitializers) {
    super();
    this.attentionNorm = this.registerModule('attentionNorm', new RMSNorm(config.embeddingSize, config.normEpsilon));
    this.attention = this.registerModule('attention', new GroupedQueryAttention(config, initializers));
    this.feedForwardNorm = this.registerModule(
      'feedForwardNorm',
      new RMSNorm(config.embeddingSize, config.normEpsilon),
    );
    this.feedForward = this.registerModule('feedForward', new LlamaFeedForward(config, initializers));
  }

  forward(x: tf.Tensor, angles: RotaryAngles): tf.Tensor {
    return this.forwardIncremental(x, angles, undefined, false).output;
  }

  /** forward for new positions, reading and (unless `extendCache` is false) extending the layer's key/value cache. */
  forwardIncremental(
    x: tf.Tensor,
    angles: RotaryAngles,
    cache: KeyValueCache | undefined,
    extendCache = true,
  ): { output: tf.Tensor; cache: KeyValueCache | undefined } {
    return tf.tidy(() => {
      const attention = this.attention.attendIncremental(this.attentionNorm.forward(x), angles, cache, extendCache);
      const afterAttention = tf.add(x, attention.output);
      const output = tf.add(afterAttention, this.feedForward.forward(this.feedForwardNorm.forward(afterAttention)));
      return { output, cache: attention.cache };
    });
  }
}

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, SmolLM2; Hugging Face's LlamaForCausalLM):
 * a token embedding, pre-norm decoder layers with rotary grouped-query attention and SwiGLU MLPs,
 * a final RMSNorm and a language-model head (tied to the embedding or its own Linear). No
 * dropout, as these models train without it.
 * forward: token ids [batch, time] (int32) → logits [batch, time, vocabulary].
 */
export class Llama extends Module<[tf.Tensor], tf.Tensor> {
  readonly tokenEmbedding: Embedding; // [vocabulary, embedding]
  readonly layers: ModuleList<LlamaDecoderLayer>;
  readonly finalNorm: RMSNorm;
  /** Absent when the head is tied to tokenEmbedding. */
  readonly languageModelHead: Linear | undefined; // [embedding, vocabulary]
  readonly rotary: RotaryEmbedding;

  constructor(
    readonly config: LlamaConfig,
    options: LlamaOptions = {},
  ) {
    super();
    validateLlamaConfig(config);
    const random = options.random ?? getGlobalRandom();
    const initializer = options.initialization === 'zeros' ? zeros() : normal(0.02);
    const initializers = { random, weightInitializer: initializer, outputInitializer: initializer };
    const { vocabularySize, embeddingSize } = config;
    this.tokenEmbedding = this.registerModule(
      'tokenEmbedding',
      new Embedding(vocabularySize, embeddingSize, { initializer, random }),
    );
    this.layers = this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: config.layerCount }, () => new LlamaDecoderLayer(config, initializers))),
    );
    this.finalNorm = this.registerModule('finalNorm', new RMSNorm(embeddingSize, config.normEpsilon));
    this.languageModelHead = config.tieWordEmbeddings
      ? undefined
      : this.registerModule(
          'languageModelHead',
          new Linear(embeddingSize, vocabularySize, { bias: false, weightInitializer: initializer, random }),
        );
    this.rotary = new RotaryEmbedding(config.headSize, config.ropeTheta, config.ropeScaling);
  }

  /** Checks ids [batch, new] after `past` cached positions fit the context. */
  private checkInput(ids: tf.Tensor, past: number): number {
    if (ids.rank !== 2) {
      throw new TesseraError('E_LLAMA_INPUT', `token ids must be [batch, time], got shape [${ids.shape}]`);
    }
    const fresh = ids.shape[1] as number;
    if (fresh === 0) throw new TesseraError('E_LLAMA_INPUT', 'token ids must hold at least one position');
    if (past + fresh > this.config.blockSize) {
      throw new TesseraError(
        'E_LLAMA_INPUT',
        `sequence length ${past + fresh} exceeds the block size (max_position_embeddings) ${this.config.blockSize}`,
      );
    }
    return fresh;
  }

  /** The hidden states after the final norm: [batch, time, embedding]. */
  hiddenStates(ids: tf.Tensor): tf.Tensor {
    const time = this.checkInput(ids, 0);
    return tf.tidy(() => {
      const angles = this.rotary.angles(0, time);
      let x = this.tokenEmbedding.forward(ids); // [batch, time, embedding]
      for (const layer of this.layers) x = layer.forward(x, angles);
      return this.finalNorm.forward(x);
    });
  }

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.logitsOf(this.hiddenStates(ids)));
  }

  /** [batch, time, embedding] → logits [batch, time, vocabulary]; tied: h · Eᵀ, the transpose explicit (transposed matMul is slow on wasm). */
  private logitsOf(hidden: tf.Tensor): tf.Tensor {
    if (this.languageModelHead !== undefined) return this.languageModelHead.forward(hidden);
    const [batch, time, embedding] = hidden.shape as [number, number, number];
    const logits = tf.matMul(tf.reshape(hidden, [batch * time, embedding]), tf.transpose(this.tokenEmbedding.weight));
    return tf.reshape(logits, [batch, time, this.config.vocabularySize]);
  }

  /**
   * Logits for new tokens [batch, new] given per-layer caches of the earlier ones (undefined to
   * start); returns them with the extended caches, which the caller owns. Each cache holds the
   * key/value heads once: [batch, keyValueHeads, past, headSize]. Equal to forward on the whole
   * sequence (its last `new` positions) without recomputing the past.
   */
  forwardIncremental(
    ids: tf.Tensor,
    caches: KeyValueCache[] | undefined,
  ): { logits: tf.Tensor; caches: KeyValueCache[] } {
    const past = caches?.[0]?.key.shape[2] ?? 0;
    const fresh = this.checkInput(ids, past);
    return tf.tidy(() => {
      const angles = this.rotary.angles(past, fresh);
      let x = this.tokenEmbedding.forward(ids);
      const next: KeyValueCache[] = [];
      let index = 0;
      for (const layer of this.layers) {
        const result = layer.forwardIncremental(x, angles, caches?.[index]);
        x = result.output;
        next.push(result.cache as KeyValueCache);
        index += 1;
      }
      return { logits: this.logitsOf(this.finalNorm.forward(x)), caches: next };
    });
  }
}
