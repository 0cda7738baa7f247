import type { tf } from '@tessera/core';

/** A batch of (user, item) pairs as every neural recommender in this package reads it. */
export interface RecommendationBatch {
  userIndices: tf.Tensor; // int32 [batch]
  itemIndices: tf.Tensor; // int32 [batch]
  featureIds: tf.Tensor; // int32 [batch, slots] (see FeatureEncoder)
  featureValues: tf.Tensor; // float32 [batch, slots]
  /** The rating (rating prediction) or 1/0 (implicit feedback). */
  targets: tf.Tensor; // float32 [batch]
}

/** The slot range of one field in a feature row. */
export interface FieldSlots {
  name: string;
  start: number;
  end: number;
}
