// Models for the tests, matching make-per-example-reference.py layer for layer.
// Core keeps Conv2d out of its public index for now; the tests use the real layer from its source.
import { Conv2d, Embedding, LayerNorm, Linear, Module, RMSNorm, relu, tf } from '@tessera/core';
import { readFixture } from '../fixtures/reference.js';

// biome-ignore lint/suspicious/noExplicitAny: the fixture's shape is documented by its script.
export const perExampleReference: Record<string, any> = readFixture('per-example-reference.json');

type Child = Module<never[], unknown>;

/** [batch, rows, 5] → Linear → LayerNorm → tanh → mean over rows → Linear → [batch, 3]. */
export class SequenceMlp extends Module<[tf.Tensor], tf.Tensor> {
  readonly input = this.registerModule('input', new Linear(5, 6));
  readonly norm = this.registerModule('norm', new LayerNorm(6));
  readonly output = this.registerModule('output', new Linear(6, 3));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.output.forward(tf.mean(tf.tanh(this.norm.forward(this.input.forward(x))), 1)));
  }
}

/** NHWC [batch, 9, 7, 2] → strided conv → 'same' dilated grouped conv → depthwise conv → Linear → [batch, 3]. */
export class SmallCnn extends Module<[tf.Tensor], tf.Tensor> {
  readonly conv1 = this.registerModule('conv1', new Conv2d(2, 4, 3, { stride: 2, padding: 1 }) as unknown as Child);
  readonly conv2 = this.registerModule(
    'conv2',
    new Conv2d(4, 6, [2, 3], { padding: 'same', dilation: [2, 1], groups: 2 }) as unknown as Child,
  );
  readonly conv3 = this.registerModule('conv3', new Conv2d(6, 6, 2, { stride: 2, groups: 6 }) as unknown as Child);
  readonly head = this.registerModule('head', new Linear(24, 3));
  forward(x: tf.Tensor): tf.Tensor {
    const layer = (module: Child) => module as unknown as { forward(input: tf.Tensor): tf.Tensor };
    return tf.tidy(() => {
      const h = layer(this.conv3).forward(relu(layer(this.conv2).forward(relu(layer(this.conv1).forward(x)))));
      return this.head.forward(tf.reshape(h, [h.shape[0] as number, -1]));
    });
  }
}

/** NHWC [batch, 6, 6, 1] → strided conv → Linear → [batch, 2]: one input channel, as MNIST. */
export class SingleChannelCnn extends Module<[tf.Tensor], tf.Tensor> {
  readonly conv = this.registerModule('conv', new Conv2d(1, 3, 3, { stride: 2, padding: 1 }) as unknown as Child);
  readonly head = this.registerModule('head', new Linear(27, 2));
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = relu((this.conv as unknown as { forward(input: tf.Tensor): tf.Tensor }).forward(x));
      return this.head.forward(tf.reshape(h, [h.shape[0] as number, -1]));
    });
  }
}

/** ids [batch, 5] → Embedding (padding id 0) → RMSNorm → Linear → tanh → mean → Linear → [batch, 2]. */
export class EmbeddingModel extends Module<[tf.Tensor], tf.Tensor> {
  readonly embedding = this.registerModule('embedding', new Embedding(7, 4, { paddingIndex: 0 }));
  readonly norm = this.registerModule('norm', new RMSNorm(4));
  readonly projection = this.registerModule('projection', new Linear(4, 4));
  readonly head = this.registerModule('head', new Linear(4, 2));
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      this.head.forward(tf.mean(tf.tanh(this.projection.forward(this.norm.forward(this.embedding.forward(ids)))), 1)),
    );
  }
}

export const referenceModels = {
  sequenceMlp: () => new SequenceMlp(),
  smallCnn: () => new SmallCnn(),
  singleChannelCnn: () => new SingleChannelCnn(),
  embeddingModel: () => new EmbeddingModel(),
} as const;

export type ReferenceCase = keyof typeof referenceModels;

/** The model of `name` with the fixture's weights, and its batch ({ features, labels }). */
export function referenceCase(name: ReferenceCase) {
  const reference = perExampleReference[name];
  const model = referenceModels[name]();
  const state = Object.fromEntries(
    Object.entries(reference.parameters as Record<string, unknown>).map(([key, value]) => [
      key,
      tf.tensor(value as number[]),
    ]),
  );
  model.loadStateDict(state);
  tf.dispose(Object.values(state));
  const features =
    name === 'embeddingModel' ? tf.tensor(reference.inputs, undefined, 'int32') : tf.tensor(reference.inputs);
  const labels = tf.tensor1d(reference.labels, 'int32');
  return { model, reference, batch: { features, labels } };
}
