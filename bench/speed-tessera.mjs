// One Tessera backend's side of bench/speed-compare.mjs: ms per training step (and items per
// second) for each workload of speed-workloads.mjs, plus generation tokens per second with the
// key/value cache and with recomputation. Run in its own process per backend.
// Usage: node bench/speed-tessera.mjs [--backend wasm] [--workloads gpt,cnn,matrix-factorization]
//        [--steps 10] [--generate-tokens 48] [--batch-size N] [--no-overrides]
// --no-overrides: plain tfjs wasm (setBackend) with only the kernels training needs filled, no
// Tessera kernel overrides: the "before" column. Prints one JSON object on stdout.
import { fillMissingKernels, wasmKernelOverrides } from '@tessera/backend-wasm';
import { initBackend, tf } from '@tessera/core';
import { generate } from '@tessera/transformer';
import { createWorkload } from './speed-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const backendName = argument('backend', 'wasm');
const workloadNames = argument('workloads', 'gpt,cnn,matrix-factorization').split(',');
const steps = Number(argument('steps', 10));
const generateTokens = Number(argument('generate-tokens', 48));
const withoutOverrides = process.argv.includes('--no-overrides');
const batchSize = argument('batch-size', undefined);

let backendLabel = backendName;
if (withoutOverrides) {
  if (backendName !== 'wasm') throw new Error('--no-overrides compares wasm with and without Tessera overrides');
  await tf.setBackend(backendName);
  await tf.ready();
  fillMissingKernels();
  // Corrections fix wrong results (not speed); keep them so both columns compute the same thing.
  for (const correction of wasmKernelOverrides.filter((override) => override.purpose === 'correction')) {
    const registered = tf.getKernel(correction.kernelName, backendName);
    tf.unregisterKernel(correction.kernelName, backendName);
    tf.registerKernel({ ...registered, kernelFunc: correction.wrap(registered.kernelFunc) });
  }
  backendLabel = `${backendName} (tfjs kernels, no Tessera overrides)`;
} else {
  const info = await initBackend({ backend: backendName });
  backendLabel = info.name;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = {};
for (const name of workloadNames) {
  const workload = await createWorkload(name, batchSize === undefined ? {} : { batchSize: Number(batchSize) });
  const stepCount = name === 'matrix-factorization' ? Math.max(1, Math.ceil(steps / 5)) : steps;
  workload.step(); // warm up: kernel setup, XNNPACK operator creation, JIT
  const tensorsBefore = tf.memory().numTensors;
  const times = [];
  let loss = 0;
  for (let step = 0; step < stepCount; step++) {
    const started = performance.now();
    loss = workload.step();
    times.push(performance.now() - started);
  }
  const milliseconds = median(times);
  results[name] = {
    description: workload.description,
    steps: stepCount,
    millisecondsPerStep: Number(milliseconds.toFixed(1)),
    meanMillisecondsPerStep: Number((times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)),
    [`${workload.itemName}PerSecond`]: Math.round((workload.itemsPerStep * 1000) / milliseconds),
    loss: Number(loss.toFixed(4)),
    tensorLeakPerStep: (tf.memory().numTensors - tensorsBefore) / stepCount,
  };
  if (name === 'gpt' && generateTokens > 0) {
    const generation = {};
    for (const useCache of [true, false]) {
      const options = { maxNewTokens: generateTokens, temperature: 1, topK: 20, seed: 1, useCache };
      await generate(workload.model, [0], { ...options, maxNewTokens: 4 }); // warm up
      const started = performance.now();
      await generate(workload.model, [0], options);
      generation[useCache ? 'keyValueCacheTokensPerSecond' : 'recomputationTokensPerSecond'] = Number(
        ((generateTokens * 1000) / (performance.now() - started)).toFixed(1),
      );
    }
    generation.tokens = generateTokens;
    results.generation = generation;
  }
  workload.dispose();
  tf.disposeVariables();
}
console.log(JSON.stringify({ runtime: 'tessera', backend: backendLabel, results }));
