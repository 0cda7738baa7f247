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
import { MultiHeadSelfAttention } from '../../attention/multi-head-attention.js';
import type { BertConfig } from './bert-config.js';

export interface BertInputs {
  /** `[batch, time]`: 0 for sentence A, 1 for sentence B (default all 0). */
  tokenTypeIds?: tf.Tensor;
  /** `[batch, time]`: 1 for tokens, 0 for padding (default all 1). */
  attentionMask?: tf.Tensor;
}

const linear = (input: number, output: number, random: RandomGenerator) =>
  new Linear(input, output, { weightInitializer: normal(0.02), biasInitializer: zeros(), random });

/** Post-norm encoder layer: x ← norm(x + attention(x)); x ← norm(x + feedForward(x)). */
export class BertLayer extends Module<[tf.Tensor, tf.Tensor | undefined], tf.Tensor> {
  readonly attention: MultiHeadSelfAttention;
  readonly attentionNorm: LayerNorm;
  readonly intermediate: Linear; // [hidden, intermediate]
  readonly output: Linear; // [intermediate, hidden]
  readonly outputDropout: Dropout;
  readonly outputNorm: LayerNorm;

  constructor(config: BertConfig, random: RandomGenerator) {
    super();
    this.attention = this.registerModule(
      'attention',
      new MultiHeadSelfAttention({
        embeddingSize: config.hiddenSize,
        headCount: config.headCount,
        causal: false,
        dropout: config.dropout,
        weightInitializer: normal(0.02),
        random,
      }),
    );
    this.attentionNorm = this.registerModule(
      'attentionNorm',
      new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEpsilon }),
    );
    this.intermediate = this.registerModule('intermediate', linear(config.hiddenSize, config.intermediateSize, random));
    this.output = this.registerModule('output', linear(config.intermediateSize, config.hiddenSize, random));
    this.outputDropout = this.registerModule('outputDropout', new Dropout(config.dropout, { random }));
    this.outputNorm = this.registerModule(
      'outputNorm',
      new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEpsilon }),
    );
  }

  forward(x: tf.Tensor, attentionMask: tf.Tensor | undefined): tf.Tensor {
    return tf.tidy(() => {
      const attended = this.attentionNorm.forward(
        tf.add(x, this.attention.forward(x, attentionMask === undefined ? {} : { attentionMask })),
      );
      const fed = this.outputDropout.forward(this.output.forward(gelu(this.intermediate.forward(attended))));
      return this.outputNorm.forward(tf.add(attended, fed));
    });
  }
}

/**
 * The BERT encoder: word + position + segment embeddings, post-norm layers, and a tanh pooler
 * over the [CLS] position. forward: ids [batch, time] → hidden states [batch, time, hidden].
 */
export class Bert extends Module<[tf.Tensor, BertInputs?], tf.Tensor> {
  readonly wordEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly tokenTypeEmbedding: Embedding;
  readonly embeddingNorm: LayerNorm;
  readonly embeddingDropout: Dropout;
  readonly layers: ModuleList<BertLayer>;
  readonly pooler: Linear;

  constructor(
    readonly config: BertConfig,
    options: { random?: RandomGenerator } = {},
  ) {
    super();
    const random = options.random ?? getGlobalRandom();
    const embedding = (count: number) => new Embedding(count, config.hiddenSize, { initializer: normal(0.02), random });
    this.wordEmbedding = this.registerModule('wordEmbedding', embedding(config.vocabularySize));
    this.positionEmbedding = this.registerModule('positionEmbedding', embedding(config.maxPositions));
    this.tokenTypeEmbedding = this.registerModule('tokenTypeEmbedding', embedding(config.typeVocabularySize));
    this.embeddingNorm = this.registerModule(
      'embeddingNorm',
      new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEpsilon }),
    );
    this.embeddingDropout = this.registerModule('embeddingDropout', new Dropout(config.dropout, { random }));
    this.layers = this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: config.layerCount }, () => new BertLayer(config, random))),
    );
    this.pooler = this.registerModule('pooler', linear(config.hiddenSize, config.hiddenSize, random));
  }

  forward(ids: tf.Tensor, inputs: BertInputs = {}): tf.Tensor {
    const [batch, time] = ids.shape as [number, number];
    if (time > this.config.maxPositions) {
      throw new TesseraError(
        'E_BERT_INPUT',
        `sequence length ${time} exceeds maxPositions ${this.config.maxPositions}`,
      );
    }
    return tf.tidy(() => {
      const tokenTypes = inputs.tokenTypeIds ?? tf.zeros([batch, time], 'int32');
      let x = tf.add(
        tf.add(this.wordEmbedding.forward(ids), this.positionEmbedding.forward(tf.range(0, time, 1, 'int32'))),
        this.tokenTypeEmbedding.forward(tokenTypes),
      );
      x = this.embeddingDropout.forward(this.embeddingNorm.forward(x)); // [batch, time, hidden]
      for (const layer of this.layers) x = layer.forward(x, inputs.attentionMask);
      return x;
    });
  }

  /** tanh(W·h[CLS] + b): the sentence representation classification heads read. [batch, hidden] */
  pool(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [batch, , size] = hidden.shape as [number, number, number];
      return tf.tanh(this.pooler.forward(tf.reshape(tf.slice(hidden, [0, 0, 0], [batch, 1, size]), [batch, size])));
    });
  }
}

/** BERT with its masked-LM head (transform + GELU + LayerNorm, decoder tied to the word embeddings). */
export class BertForMaskedLanguageModeling extends Module<[tf.Tensor, BertInputs?], tf.Tensor> {
  readonly bert: Bert;
  readonly transform: Linear;
  readonly transformNorm: LayerNorm;
  readonly decoderBias: tf.Variable; // [vocabulary]

  constructor(config: BertConfig, options: { random?: RandomGenerator } = {}) {
    super();
    const random = options.random ?? getGlobalRandom();
    this.bert = this.registerModule('bert', new Bert(config, { random }));
    this.transform = this.registerModule('transform', linear(config.hiddenSize, config.hiddenSize, random));
    this.transformNorm = this.registerModule(
      'transformNorm',
      new LayerNorm(config.hiddenSize, { epsilon: config.layerNormEpsilon }),
    );
    this.decoderBias = this.registerParameter('decoderBias', tf.zeros([config.vocabularySize]));
  }

  /** Logits over the vocabulary at every position: [batch, time, vocabulary]. */
  forward(ids: tf.Tensor, inputs: BertInputs = {}): tf.Tensor {
    return tf.tidy(() => {
      const hidden = this.transformNorm.forward(gelu(this.transform.forward(this.bert.forward(ids, inputs))));
      const [batch, time, size] = hidden.shape as [number, number, number];
      const logits = tf.add(
        tf.matMul(tf.reshape(hidden, [batch * time, size]), tf.transpose(this.bert.wordEmbedding.weight)),
        this.decoderBias,
      );
      return tf.reshape(logits, [batch, time, -1]);
    });
  }
}

/** BERT with a classifier on the pooled [CLS] representation: logits [batch, labels]. */
export class BertForSequenceClassification extends Module<[tf.Tensor, BertInputs?], tf.Tensor> {
  readonly bert: Bert;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, labelCount: number, options: { random?: RandomGenerator } = {}) {
    super();
    const random = options.random ?? getGlobalRandom();
    this.bert = this.registerModule('bert', new Bert(config, { random }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, { random }));
    this.classifier = this.registerModule('classifier', linear(config.hiddenSize, labelCount, random));
  }

  forward(ids: tf.Tensor, inputs: BertInputs = {}): tf.Tensor {
    return tf.tidy(() => this.classifier.forward(this.dropout.forward(this.bert.pool(this.bert.forward(ids, inputs)))));
  }
}
