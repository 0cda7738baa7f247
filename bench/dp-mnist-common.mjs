// Shared by the dp-*.mjs benchmarks: MNIST (@tessera/vision's loadMnist), and the TF Privacy
// tutorial CNN (mnist_dpsgd_tutorial): conv 16 8×8 stride 2 'same' + ReLU, max-pool 2 stride 1,
// conv 32 4×4 stride 2 'valid' + ReLU, max-pool 2 stride 1, dense 32 + ReLU, dense 10.
import { Conv2d, datasetFromColumns, Linear, Module, relu, tf, xavierUniform, zeros } from '@tessera/core';
import { loadMnist } from '@tessera/vision';

/** MNIST's 'train' (60,000) or 'test' (10,000) split: features [784] in [0, 1], int32 labels. */
export async function mnist(split) {
  const images = await loadMnist({ split });
  const pixels = Float32Array.from(images.pixels, (value) => value / 255); // [0, 1], as the tutorial
  return datasetFromColumns({ features: { values: pixels, rowLength: 784 }, labels: images.labels });
}

// ---- the tutorial CNN -------------------------------------------------------------------------
// Keras's defaults, as the tutorial: Glorot-uniform weights, zero biases on the dense layers
// (the convolutions' biases keep core's PyTorch default).
const glorot = { weightInitializer: xavierUniform() };
const dense = (inFeatures, outFeatures) => new Linear(inFeatures, outFeatures, { ...glorot, biasInitializer: zeros() });

export class TutorialCnn extends Module {
  constructor() {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(1, 16, 8, { stride: 2, padding: 'same', ...glorot }));
    this.conv2 = this.registerModule('conv2', new Conv2d(16, 32, 4, { stride: 2, padding: 'valid', ...glorot }));
    this.hidden = this.registerModule('hidden', dense(4 * 4 * 32, 32));
    this.output = this.registerModule('output', dense(32, 10));
  }
  forward(x) {
    return tf.tidy(() => {
      let h = tf.reshape(x, [-1, 28, 28, 1]);
      h = tf.maxPool(relu(this.conv1.forward(h)), 2, 1, 'valid'); // [batch, 13, 13, 16]
      h = tf.maxPool(relu(this.conv2.forward(h)), 2, 1, 'valid'); // [batch, 4, 4, 32]
      return this.output.forward(relu(this.hidden.forward(tf.reshape(h, [-1, 512]))));
    });
  }
}
