import {
  Dropout,
  Embedding,
  gelu,
  getGlobalRandom,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  normal,
  type RandomGenerator,
  TesseraError,
  tf,
  zeros,
} from '@tessera/core';
import { type KeyValueCache, MultiHeadSelfAttention } from '../../attention/multi-head-attention.js';
import type { GPTConfig } from './gpt-config.js';

/** The position-wise feed-forward network: expand ×4, GELU, project back. */
export class FeedForward extends Module<[tf.Tensor], tf.Tensor> {
  readonly expand: Linear; // [embedding, 4·embedding]
  readonly contract: Linear; // [4·embedding, embedding]
  readonly dropout: Dropout;

  constructor(
    private readonly config: GPTConfig,
    random: RandomGenerator,
  ) {
    super();
    const { embeddingSize, bias } = config;
    const contractStd = 0.02 / Math.sqrt(2 * config.layerCount);
    this.expand = this.registerModule(
      'expand',
      new Linear(embeddingSize, 4 * embeddingSize, {
        bias,
        weightInitializer: normal(0.02),
        biasInitializer: zeros(),
        random,
      }),
    );
    this.contract = this.registerModule(
      'contract',
      new Linear(4 * embeddingSize, embeddingSize, {
        bias,
        weightInitializer: normal(contractStd),
        biasInitializer: zeros(),
        random,
      }),
    );
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, { random }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      this.dropout.forward(
        this.contract.forward(gelu(this.expand.forward(x), this.config.activation === 'gelu-tanh' ? 'tanh' : 'exact')),
      ),
    );
  }
}

/** A pre-norm transformer block: x + attention(norm(x)), then x + feedForward(norm(x)). */
export class Block extends Module<[tf.Tensor], tf.Tensor> {
  readonly attentionNorm: LayerNorm;
  readonly attention: MultiHeadSelfAttention;
  readonly feedForwardNorm: LayerNorm;
  readonly feedForward: FeedForward;

  constructor(config: GPTConfig, random: RandomGenerator) {
    super();
    const norm = () => new LayerNorm(config.embeddingSize, { epsilon: config.layerNormEpsilon, bias: config.bias });
    this.attentionNorm = this.registerModule('attentionNorm', norm());
    this.attention = this.registerModule(
      'attention',
      new MultiHeadSelfAttention({
        embeddingSize: config.embeddingSize,
        headCount: config.headCount,
        causal: true,
        dropout: config.dropout,
        bias: config.bias,
        weightInitializer: normal(0.02),
        outputInitializer: normal(0.02 / Math.sqrt(2 * config.layerCount)),
        random,
      }),
    );
    this.feedForwardNorm = this.registerModule('feedForwardNorm', norm());
    this.feedForward = this.registerModule('feedForward', new FeedForward(config, random));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const afterAttention = tf.add(x, this.attention.forward(this.attentionNorm.forward(x)));
      return tf.add(afterAttention, this.feedForward.forward(this.feedForwardNorm.forward(afterAttention)));
    });
  }

  /** forward for new positions, reading and extending the block's key/value cache. */
  forwardIncremental(x: tf.Tensor, cache: KeyValueCache | undefined): { output: tf.Tensor; cache: KeyValueCache } {
    return tf.tidy(() => {
      const attention = this.attention.attendIncremental(this.attentionNorm.forward(x), cache);
      const afterAttention = tf.add(x, attention.output);
      const output = tf.add(afterAttention, this.feedForward.forward(this.feedForwardNorm.forward(afterAttention)));
      return { output, cache: attention.cache };
    });
  }
}

/**
 * GPT (Radford et al. 2018/2019), nanoGPT's formulation: token + position embeddings, a stack of
 * pre-norm blocks, a final LayerNorm, and a language-model head tied to the token embedding.
 * forward: token ids [batch, time] (int32) → logits [batch, time, vocabulary].
 */
export class GPT extends Module<[tf.Tensor], tf.Tensor> {
  readonly tokenEmbedding: Embedding; // [vocabulary, embedding]
  readonly positionEmbedding: Embedding; // [blockSize, embedding]
  readonly embeddingDropout: Dropout;
  readonly blocks: ModuleList<Block>;
  readonly finalNorm: LayerNorm;

  constructor(
    readonly config: GPTConfig,
    options: { random?: RandomGenerator } = {},
  ) {
    super();
    const random = options.random ?? getGlobalRandom();
    const { vocabularySize, blockSize, embeddingSize } = config;
    this.tokenEmbedding = this.registerModule(
      'tokenEmbedding',
      new Embedding(vocabularySize, embeddingSize, { initializer: normal(0.02), random }),
    );
    this.positionEmbedding = this.registerModule(
      'positionEmbedding',
      new Embedding(blockSize, embeddingSize, { initializer: normal(0.02), random }),
    );
    this.embeddingDropout = this.registerModule('embeddingDropout', new Dropout(config.dropout, { random }));
    this.blocks = this.registerModule(
      'blocks',
      new ModuleList(Array.from({ length: config.layerCount }, () => new Block(config, random))),
    );
    this.finalNorm = this.registerModule(
      'finalNorm',
      new LayerNorm(embeddingSize, { epsilon: config.layerNormEpsilon, bias: config.bias }),
    );
  }

  /** The hidden states after the final norm: [batch, time, embedding]. */
  hiddenStates(ids: tf.Tensor): tf.Tensor {
    const [, time] = ids.shape as [number, number];
    if (time > this.config.blockSize) {
      throw new TesseraError('E_GPT_INPUT', `sequence length ${time} exceeds the block size ${this.config.blockSize}`);
    }
    return tf.tidy(() => {
      const positions = tf.range(0, time, 1, 'int32');
      let x = tf.add(this.tokenEmbedding.forward(ids), this.positionEmbedding.forward(positions)); // [batch, time, embedding]
      x = this.embeddingDropout.forward(x);
      for (const block of this.blocks) x = block.forward(x);
      return this.finalNorm.forward(x);
    });
  }

  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.languageModelHead(this.hiddenStates(ids)));
  }

  /** Tied head: logits = h · Wₜₒₖₑₙᵀ, the transpose explicit (transposed matMul is slow on wasm). */
  private languageModelHead(hidden: tf.Tensor): tf.Tensor {
    const [batch, time, embedding] = hidden.shape as [number, number, number];
    const logits = tf.matMul(tf.reshape(hidden, [batch * time, embedding]), tf.transpose(this.tokenEmbedding.weight));
    return tf.reshape(logits, [batch, time, this.config.vocabularySize]); // [batch, time, vocabulary]
  }

  /**
   * Logits for new tokens [batch, new] given per-block caches of the earlier ones (undefined to
   * start); returns them with the extended caches, which the caller owns. Equal to forward on the
   * whole sequence (its last `new` positions) without recomputing the past.
   */
  forwardIncremental(
    ids: tf.Tensor,
    caches: KeyValueCache[] | undefined,
  ): { logits: tf.Tensor; caches: KeyValueCache[] } {
    const past = caches?.[0]?.key.shape[2] ?? 0;
    const [, fresh] = ids.shape as [number, number];
    if (past + fresh > this.config.blockSize) {
      throw new TesseraError(
        'E_GPT_INPUT',
        `sequence length ${past + fresh} exceeds the block size ${this.config.blockSize}`,
      );
    }
    return tf.tidy(() => {
      const positions = tf.range(past, past + fresh, 1, 'int32');
      let x = tf.add(this.tokenEmbedding.forward(ids), this.positionEmbedding.forward(positions));
      const next: KeyValueCache[] = [];
      let index = 0;
      for (const block of this.blocks) {
        const result = block.forwardIncremental(x, caches?.[index]);
        x = result.output;
        next.push(result.cache);
        index += 1;
      }
      return { logits: this.languageModelHead(this.finalNorm.forward(x)), caches: next };
    });
  }
}
