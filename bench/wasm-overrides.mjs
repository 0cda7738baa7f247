// The wasm kernel overrides @tessera/core registers for speed, each timed against the native
// kernel it replaces, side by side in one run: native first (plain tfjs setBackend), then again
// after initBackend has applied the overrides.
// Usage: node bench/wasm-overrides.mjs [--repeats 20]
// Prints JSON (and writes bench/results/wasm-overrides.json): ms per call and the speed-up.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, tf } from '@tessera/core';

const index = process.argv.indexOf('--repeats');
const repeats = index > 0 ? Number(process.argv[index + 1]) : 20;
const here = dirname(fileURLToPath(import.meta.url));

// Shapes from a nanogpt-baby training step (batch 12 × block 64 = 768 rows, 128 → 512 MLP).
const cases = {
  'matMul(a, b, transposeA) [768,128]ᵀ·[768,512] (Linear weight gradient)': () => [
    tf.randomNormal([768, 128]),
    tf.randomNormal([768, 512]),
    true,
    false,
  ],
  'matMul(a, b, transposeB) [768,512]·[128,512]ᵀ (Linear input gradient)': () => [
    tf.randomNormal([768, 512]),
    tf.randomNormal([128, 512]),
    false,
    true,
  ],
  'batched matMul transposeB [48,64,32]·[48,64,32]ᵀ (attention scores)': () => [
    tf.randomNormal([48, 64, 32]),
    tf.randomNormal([48, 64, 32]),
    false,
    true,
  ],
};

// The input gradient of an MNIST CNN's second conv (batch 10, 14×14×32 → 64 channels, 5×5, 'same').
const convolutionCases = {
  'conv2dTranspose (Conv2DBackpropInput) dy [10,14,14,64], filter [5,5,32,64], same': () => [
    tf.randomNormal([10, 14, 14, 64]),
    tf.randomNormal([5, 5, 32, 64]),
  ],
  'conv2dTranspose stride 2 dy [32,7,7,64] → [32,14,14,32], filter [3,3,32,64], same': () => [
    tf.randomNormal([32, 7, 7, 64]),
    tf.randomNormal([3, 3, 32, 64]),
  ],
};
const inputShapes = [
  [10, 14, 14, 32],
  [32, 14, 14, 32],
];
const strideOf = [1, 2];

async function timeConvolution(makeInputs, index) {
  const [dy, filter] = makeInputs();
  const run = () =>
    tf.tidy(() => tf.conv2dTranspose(dy, filter, inputShapes[index], strideOf[index], 'same')).dataSync();
  return measure(run, [dy, filter]);
}

async function time(makeInputs) {
  const [a, b, transposeA, transposeB] = makeInputs();
  const run = () => tf.tidy(() => tf.matMul(a, b, transposeA, transposeB)).dataSync();
  return measure(run, [a, b]);
}

function measure(run, inputs) {
  run(); // warm up
  const started = performance.now();
  for (let i = 0; i < repeats; i++) run();
  tf.dispose(inputs);
  return (performance.now() - started) / repeats;
}

await tf.setBackend('wasm');
await tf.ready();
const native = {};
for (const [name, makeInputs] of Object.entries(cases)) native[name] = await time(makeInputs);
for (const [index, [name, makeInputs]] of Object.entries(convolutionCases).entries())
  native[name] = await timeConvolution(makeInputs, index);
const backend = await initBackend({ backend: 'wasm' });
const results = [];
const timings = [
  ...Object.entries(cases).map(([name, makeInputs]) => [name, () => time(makeInputs)]),
  ...Object.entries(convolutionCases).map(([name, makeInputs], index) => [
    name,
    () => timeConvolution(makeInputs, index),
  ]),
];
for (const [name, measureOverridden] of timings) {
  const overridden = await measureOverridden();
  results.push({
    case: name,
    nativeMilliseconds: Number(native[name].toFixed(2)),
    overriddenMilliseconds: Number(overridden.toFixed(2)),
    speedUp: Number((native[name] / overridden).toFixed(1)),
  });
}
const report = {
  benchmark: 'wasm-overrides',
  date: new Date().toISOString(),
  overriddenKernels: backend.overriddenKernels,
  repeats,
  results,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'wasm-overrides.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
