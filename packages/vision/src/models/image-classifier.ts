import { Module, type RandomGenerator, Sequential, TesseraError, tf } from '@tessera/core';

/** A module from one tensor to one tensor: what a classifier's backbone blocks and head are. */
export type Layer = Module<[tf.Tensor], tf.Tensor>;

/** The optional seeded generator the model builders take, so initialisation is reproducible. */
export type RandomOption = { random?: RandomGenerator };

/**
 * The shape every vision classifier here shares, so transfer learning works the same on all of
 * them: a `backbone` (a Sequential of blocks, bottom to top, ending in a feature vector
 * [batch, featureSize]) and a `head` (features → class logits). Parameter names are
 * `backbone.<block>.…` and `head.…`, which is what `freezeBackbone`, `unfreezeTopBlocks` and
 * `replaceHead` select by.
 */
export class ImageClassifier extends Module<[tf.Tensor], tf.Tensor> {
  readonly backbone: Sequential;
  head: Layer;
  /** Number of blocks in the backbone; block i's parameters are `backbone.i.…`. */
  readonly blockCount: number;

  constructor(
    blocks: Layer[],
    head: Layer,
    /** [height, width, channels] the model expects. */
    readonly inputShape: readonly [number, number, number],
    /** Length of the feature vector the backbone produces (the head's input). */
    readonly featureSize: number,
  ) {
    super();
    this.backbone = this.registerModule('backbone', new Sequential(...blocks));
    this.head = this.registerModule('head', head);
    this.blockCount = blocks.length;
  }

  /** The backbone's feature vectors for images [batch, height, width, channels] → [batch, featureSize]. */
  features(images: tf.Tensor): tf.Tensor {
    const [height, width, channels] = this.inputShape;
    if (images.rank !== 4 || images.shape[1] !== height || images.shape[2] !== width || images.shape[3] !== channels) {
      throw new TesseraError(
        'E_MODEL_INPUT',
        `${this.constructor.name} expects images [batch, ${height}, ${width}, ${channels}] (NHWC), got [${images.shape}]`,
      );
    }
    return this.backbone.forward(images);
  }

  /** Class logits [batch, classes]. */
  forward(images: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(this.features(images)));
  }
}
