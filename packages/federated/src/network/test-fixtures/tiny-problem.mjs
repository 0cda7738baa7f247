// The tiny model and client data the process tests share: logistic regression on three blobs.
import { createRandomGenerator, datasetFromColumns, Linear, Sequential, SGD } from '@tessera/core';

export function tinyModel(seed) {
  return new Sequential(new Linear(4, 3, { random: createRandomGenerator(seed) }));
}

export function clientData(client, size) {
  const random = createRandomGenerator(100 + client);
  const features = new Float32Array(size * 4);
  const labels = new Int32Array(size);
  for (let row = 0; row < size; row++) {
    const label = random.nextInt(3);
    labels[row] = label;
    for (let column = 0; column < 4; column++)
      features[row * 4 + column] = (column === label ? 2 : 0) + random.nextNormal();
  }
  return datasetFromColumns({ features: { values: features, rowLength: 4 }, labels });
}

export const createOptimizer = (parameters) => new SGD(parameters, { learningRate: 0.1 });

/** One JSON line per event on stdout, which the test reads. */
export function report(kind, value) {
  process.stdout.write(`${JSON.stringify({ kind, ...value })}\n`);
}
