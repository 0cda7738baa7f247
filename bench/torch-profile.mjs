// Where a nanoGPT baby training step spends its time on the torch backend: wraps every kernel
// registered for the backend with a timer and reports calls and milliseconds per kernel name, and
// the rest of the step (tfjs engine, gradient bookkeeping, JavaScript) as step wall minus kernels.
// Usage: node bench/torch-profile.mjs [--steps 5] [--threads 1] [--backend torch] [--model gpt|cnn]
// (the steps of bench/step-workloads.mjs.) Prints JSON; writes
// bench/results/torch-profile-<backend>-<model>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';
import { stepWorkloads } from './step-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const steps = Number(argument('steps', 5));
const threads = Number(argument('threads', 1));
const backend = argument('backend', 'torch');
const modelName = argument('model', 'gpt');
const here = dirname(fileURLToPath(import.meta.url));
process.env.TESSERA_TORCH_THREADS = String(threads);

await initBackend({ backend });
const totals = new Map(); // kernel name -> { calls, milliseconds }
let recording = false;
for (const config of tf.getKernelsForBackend(backend)) {
  const run = config.kernelFunc;
  config.kernelFunc = (args) => {
    if (!recording) return run(args);
    const started = performance.now();
    const result = run(args);
    const entry = totals.get(config.kernelName) ?? { calls: 0, milliseconds: 0 };
    entry.calls += 1;
    entry.milliseconds += performance.now() - started;
    totals.set(config.kernelName, entry);
    return result;
  };
}

const workload = stepWorkloads[modelName]();
const trainStep = workload.run;
for (let index = 0; index < 2; index++) trainStep();
recording = true;
const started = performance.now();
for (let index = 0; index < steps; index++) trainStep();
const wall = (performance.now() - started) / steps;
recording = false;
const kernels = [...totals.entries()]
  .map(([name, { calls, milliseconds }]) => ({
    name,
    callsPerStep: calls / steps,
    millisecondsPerStep: Number((milliseconds / steps).toFixed(3)),
  }))
  .sort((a, b) => b.millisecondsPerStep - a.millisecondsPerStep);
const kernelMilliseconds = kernels.reduce((sum, kernel) => sum + kernel.millisecondsPerStep, 0);
const report = {
  benchmark: 'torch-profile',
  model: modelName,
  backend,
  threads,
  steps,
  loadAverage: Number(loadavg()[0].toFixed(2)),
  stepMilliseconds: Number(wall.toFixed(2)),
  kernelMilliseconds: Number(kernelMilliseconds.toFixed(2)),
  outsideKernelsMilliseconds: Number((wall - kernelMilliseconds).toFixed(2)),
  kernelCallsPerStep: kernels.reduce((sum, kernel) => sum + kernel.callsPerStep, 0),
  kernels,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', `torch-profile-${backend}-${modelName}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log(JSON.stringify(report, null, 2));
workload.dispose();
