// What the server and the clients agree on: the model (a two-layer perceptron, McMahan et al.'s
// "2NN" at half width) and how MNIST is dealt out to the clients.
import { datasetFromColumns, Linear, Module, relu, setGlobalSeed, tf } from '@tessera/core';
import { partitionByDirichlet } from '@tessera/federated';
import { loadMnist } from '@tessera/vision';

export class DigitPerceptron extends Module {
  constructor() {
    super();
    this.hidden = this.registerModule('hidden', new Linear(784, 100));
    this.output = this.registerModule('output', new Linear(100, 10));
  }
  forward(pixels) {
    // [batch, 784] → [batch, 100] → [batch, 10] logits
    return tf.tidy(() => this.output.forward(relu(this.hidden.forward(pixels))));
  }
}

/** The same initial weights in every process. */
export function createModel() {
  setGlobalSeed(0);
  return new DigitPerceptron();
}

/** The first `count` images of an MNIST split: pixels [count × 784] in [0, 1] and labels [count]. */
export async function mnistArrays(split, count) {
  const images = await loadMnist({ split });
  const size = Math.min(count, images.count);
  return {
    count: size,
    pixels: Float32Array.from(images.pixels.subarray(0, size * 784), (value) => value / 255),
    labels: Int32Array.from(images.labels.subarray(0, size)),
  };
}

/**
 * Client `index`'s share of the first `total` training images: a label-skewed split (Dirichlet
 * α = 0.5, Hsu et al. 2019), so each client sees some digits far more than others — the setting
 * federated averaging has to cope with. Every client computes the same split from the same seed
 * and keeps only its own part.
 */
export async function clientShare(index, clientCount, total) {
  const images = await loadMnist({ split: 'train' });
  const labels = images.labels.subarray(0, total);
  const indices = partitionByDirichlet(labels, { clientCount, concentration: 0.5, seed: 1 })[index];
  const pixels = new Float32Array(indices.length * 784);
  indices.forEach((image, row) => {
    for (let pixel = 0; pixel < 784; pixel++) pixels[row * 784 + pixel] = images.pixels[image * 784 + pixel] / 255;
  });
  const shareLabels = Int32Array.from(indices, (image) => images.labels[image]);
  return datasetFromColumns({ features: { values: pixels, rowLength: 784 }, labels: shareLabels });
}

/** One JSON line per event, which federated.mjs reads and prints. */
export function report(kind, value) {
  process.stdout.write(`${JSON.stringify({ kind, ...value })}\n`);
}
