import {
  Embedding,
  Module,
  normal,
  type RandomGenerator,
  type Sequential,
  TesseraError,
  tf,
  zeros,
} from '@tessera/core';
import { poolFields } from './deepfm.js';
import { multilayerPerceptron } from './multilayer-perceptron.js';
import type { FieldSlots, RecommendationBatch } from './recommendation-batch.js';

/** A field of the layout with its global-id range, for building cross-product features. */
export interface CrossableField extends FieldSlots {
  offset: number;
  size: number;
}

export interface WideAndDeepConfig {
  featureCount: number;
  /** Fields with their id ranges (FeatureEncoder fields joined with fieldSlots()). */
  fields: CrossableField[];
  /** Pairs of single-slot fields crossed in the wide part (default [['item', 'gender'], ['item', 'age']] when present). */
  crosses?: Array<[string, string]>;
  embeddingDimension?: number;
  hiddenSizes?: number[];
  dropout?: number;
}

/**
 * Wide & Deep (Cheng et al. 2016): a wide linear model over the sparse features and their
 * cross products (item × gender, item × age group: "who watches what" memorised) plus a deep
 * network over field embeddings (generalisation), summed into one logit. Embeddings are the deep
 * tower's own; the wide weights start at zero.
 */
export class WideAndDeep extends Module<[RecommendationBatch], tf.Tensor> {
  readonly wide: Embedding;
  readonly embeddings: Embedding;
  readonly bias: tf.Variable;
  readonly deep: Sequential;
  private readonly crossSpecs: Array<{ first: CrossableField; second: CrossableField; offset: number }>;

  constructor(
    readonly config: WideAndDeepConfig,
    /** globalMean: the bias's starting value (the mean rating when predicting ratings, as MatrixFactorization). */
    options: { random?: RandomGenerator; globalMean?: number } = {},
  ) {
    super();
    const byName = new Map(config.fields.map((field) => [field.name, field]));
    const crosses =
      config.crosses ??
      ([
        ['item', 'gender'],
        ['item', 'age'],
      ].filter(([first, second]) => byName.has(first as string) && byName.has(second as string)) as Array<
        [string, string]
      >);
    let wideSize = config.featureCount;
    this.crossSpecs = crosses.map(([firstName, secondName]) => {
      const first = byName.get(firstName);
      const second = byName.get(secondName);
      if (
        first === undefined ||
        second === undefined ||
        first.end - first.start !== 1 ||
        second.end - second.start !== 1
      ) {
        throw new TesseraError(
          'E_RECSYS_FEATURES',
          `cannot cross '${firstName}' × '${secondName}': both must be single-valued fields among ${[...byName.keys()].join(', ')}`,
        );
      }
      const spec = { first, second, offset: wideSize };
      wideSize += first.size * second.size;
      return spec;
    });
    const dimension = config.embeddingDimension ?? 16;
    this.wide = this.registerModule('wide', new Embedding(wideSize, 1, { initializer: zeros() }));
    this.embeddings = this.registerModule(
      'embeddings',
      new Embedding(config.featureCount, dimension, { initializer: normal(0.05), random: options.random }),
    );
    this.bias = this.registerParameter('bias', tf.scalar(options.globalMean ?? 0));
    this.deep = this.registerModule(
      'deep',
      multilayerPerceptron(
        config.fields.length * dimension,
        config.hiddenSizes ?? [64, 32],
        config.dropout ?? 0.1,
        options.random,
      ),
    );
  }

  forward(batch: RecommendationBatch): tf.Tensor {
    return tf.tidy(() => {
      const ids = batch.featureIds; // [batch, slots]
      const values = batch.featureValues; // [batch, slots]
      const batchSize = ids.shape[0] as number;
      let wide = tf.sum(tf.mul(tf.squeeze(this.wide.forward(ids), [2]), values), 1); // [batch]
      for (const { first, second, offset } of this.crossSpecs) {
        const localFirst = tf.sub(tf.reshape(tf.slice(ids, [0, first.start], [batchSize, 1]), [-1]), first.offset); // [batch]
        const localSecond = tf.sub(tf.reshape(tf.slice(ids, [0, second.start], [batchSize, 1]), [-1]), second.offset); // [batch]
        const crossIds = tf.add(tf.add(tf.mul(localFirst, second.size), localSecond), offset); // [batch]
        wide = tf.add(wide, tf.reshape(this.wide.forward(tf.cast(crossIds, 'int32')), [-1]));
      }
      const weighted = tf.mul(this.embeddings.forward(ids), tf.expandDims(values, 2)); // [batch, slots, dimension]
      const deep = tf.reshape(this.deep.forward(poolFields(weighted, this.config.fields)), [-1]); // [batch]
      return tf.add(tf.add(wide, deep), this.bias);
    });
  }
}
