// The kernels @tessera/core fills for the wasm backend, timed side by side in one run:
//   - the fill on wasm, against tfjs-cpu's native JavaScript kernel for the same op, and
//   - against the forward op on wasm (a backward pass costs about as much as a forward one
//     when it is built on fast kernels; a per-element loop would be orders of magnitude slower).
// Shapes are the layers Tessera's benchmarks train: MNIST CNN convs, a MobileNet-style
// depthwise block, a character-level and a GPT-2-vocabulary embedding.
// Usage: node bench/backend-kernels.mjs [--repeats N]   Writes bench/results/backend-kernels.json.
// Takes about three minutes, nearly all of it in tfjs-cpu's kernels.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';

const repeatsFlag = process.argv.indexOf('--repeats');
const repeats = repeatsFlag > 0 ? Number(process.argv[repeatsFlag + 1]) : 5;

/** Median milliseconds of `run` (which returns a tensor) on the active backend, after a warm-up. */
async function time(run, runs = repeats, warmUp = true) {
  const samples = [];
  for (let i = warmUp ? 0 : 1; i <= runs; i++) {
    const start = performance.now();
    const output = run();
    await output.data();
    const elapsed = performance.now() - start;
    output.dispose();
    if (i > 0) samples.push(elapsed);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const random = (shape) => tf.randomNormal(shape, 0, 1, 'float32', 7);
const cases = [
  {
    name: 'Conv2DBackpropFilter mnist-conv1 x[64,28,28,1] w[5,5,1,32] same',
    inputs: () => ({ x: random([64, 28, 28, 1]), dy: random([64, 28, 28, 32]) }),
    backward: ({ x, dy }) =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 1, 32] },
        ),
    forward: ({ x }) => tf.conv2d(x, random([5, 5, 1, 32]), 1, 'same'),
  },
  {
    name: 'Conv2DBackpropFilter mnist-conv2 x[64,14,14,32] w[5,5,32,64] same',
    inputs: () => ({ x: random([64, 14, 14, 32]), dy: random([64, 14, 14, 64]) }),
    backward: ({ x, dy }) =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5, 5, 32, 64] },
        ),
    forward: ({ x }) => tf.conv2d(x, random([5, 5, 32, 64]), 1, 'same'),
  },
  {
    name: 'DepthwiseConv2dNativeBackpropFilter x[32,32,32,64] w[3,3,64,1] same',
    inputs: () => ({ x: random([32, 32, 32, 64]), dy: random([32, 32, 32, 64]) }),
    backward: ({ x, dy }) =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 64, 1] },
        ),
    forward: ({ x }) => tf.depthwiseConv2d(x, random([3, 3, 64, 1]), 1, 'same'),
  },
  {
    name: 'DepthwiseConv2dNativeBackpropInput x[32,32,32,64] w[3,3,64,1] same',
    inputs: () => ({ dy: random([32, 32, 32, 64]), filter: random([3, 3, 64, 1]), x: random([32, 32, 32, 64]) }),
    backward: ({ dy, filter }) =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { strides: 1, dilations: 1, pad: 'same', inputShape: [32, 32, 32, 64] },
        ),
    forward: ({ x, filter }) => tf.depthwiseConv2d(x, filter, 1, 'same'),
  },
  {
    name: 'DepthwiseConv2dNativeBackpropInput stride 2 x[32,32,32,64] w[3,3,64,1] same',
    inputs: () => ({ dy: random([32, 16, 16, 64]), filter: random([3, 3, 64, 1]), x: random([32, 32, 32, 64]) }),
    backward: ({ dy, filter }) =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { strides: 2, dilations: 1, pad: 'same', inputShape: [32, 32, 32, 64] },
        ),
    forward: ({ x, filter }) => tf.depthwiseConv2d(x, filter, 2, 'same'),
  },
  {
    name: 'UnsortedSegmentSum char embedding [65,384], 12x256 tokens',
    inputs: () => ({
      rows: random([12 * 256, 384]),
      ids: tf.randomUniform([12 * 256], 0, 65, 'int32', 3),
      table: random([65, 384]),
    }),
    backward: ({ rows, ids }) => tf.unsortedSegmentSum(rows, ids, 65),
    forward: ({ table, ids }) => tf.gather(table, ids),
  },
  {
    name: 'UnsortedSegmentSum GPT-2 embedding [50257,768], 8x128 tokens',
    // tfjs-cpu sums one masked copy of the input per segment: 50,257 of them would take hours.
    cpuReference: false,
    inputs: () => ({
      rows: random([8 * 128, 768]),
      ids: tf.randomUniform([8 * 128], 0, 50257, 'int32', 3),
      table: random([50257, 768]),
    }),
    backward: ({ rows, ids }) => tf.unsortedSegmentSum(rows, ids, 50257),
    forward: ({ table, ids }) => tf.gather(table, ids),
  },
];

const wasm = await initBackend({ backend: 'wasm' });
const results = [];
for (const benchCase of cases) {
  const measure = async (backend, run) => {
    await tf.setBackend(backend);
    const inputs = benchCase.inputs();
    // tfjs-cpu's reference kernels take up to a minute on these shapes: time them once.
    const milliseconds =
      backend === 'cpu'
        ? await time(() => tf.tidy(() => run(inputs)), 1, false)
        : await time(() => tf.tidy(() => run(inputs)));
    tf.dispose(Object.values(inputs));
    return milliseconds;
  };
  const wasmBackward = await measure('wasm', benchCase.backward);
  const wasmForward = await measure('wasm', benchCase.forward);
  const cpuBackward = benchCase.cpuReference === false ? null : await measure('cpu', benchCase.backward);
  const result = {
    case: benchCase.name,
    wasmFillMs: round(wasmBackward),
    cpuNativeMs: cpuBackward === null ? null : round(cpuBackward),
    wasmForwardMs: round(wasmForward),
    speedupOverCpu: cpuBackward === null ? null : round(cpuBackward / wasmBackward),
    backwardOverForward: round(wasmBackward / wasmForward),
  };
  results.push(result);
  console.error(JSON.stringify(result));
}

function round(value) {
  return Math.round(value * 100) / 100;
}

const report = {
  benchmark: 'backend-kernels',
  date: new Date().toISOString(),
  node: process.version,
  tfjs: tf.version_core,
  filledKernels: wasm.filledKernels,
  repeats,
  results,
};
const output = join(dirname(fileURLToPath(import.meta.url)), 'results', 'backend-kernels.json');
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
