// Per-kernel time profile of one training step on a backend: every kernel function registered for
// the backend is wrapped with a timer (wasm and cpu kernels are synchronous, so the time is the
// kernel's own), then a few steps run and the kernels are listed by total time, with shapes.
// Usage: node bench/speed-profile.mjs [--model gpt|cnn] [--backend wasm] [--steps 5]
// Prints JSON (and writes bench/results/speed-profile-<model>-<backend>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';
import { createWorkload } from './speed-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const modelName = argument('model', 'gpt');
const steps = Number(argument('steps', 5));
const here = dirname(fileURLToPath(import.meta.url));

const backend = await initBackend({ backend: argument('backend', 'wasm') });
const workload = await createWorkload(modelName, { backend: backend.name });
await workload.step(); // warm up (kernel setup, first-call compilation)
await workload.step();

const totals = new Map();
for (const kernel of tf.getKernelsForBackend(backend.tfjsBackendName)) {
  const native = kernel.kernelFunc;
  tf.unregisterKernel(kernel.kernelName, kernel.backendName);
  tf.registerKernel({
    ...kernel,
    kernelFunc: (parameters) => {
      const started = performance.now();
      const output = native(parameters);
      const elapsed = performance.now() - started;
      const inputs = Object.values(parameters.inputs).map((input) => input?.shape);
      const key = `${kernel.kernelName} ${JSON.stringify(inputs)}`;
      const entry = totals.get(key) ?? { kernel: kernel.kernelName, inputs, calls: 0, milliseconds: 0 };
      entry.calls += 1;
      entry.milliseconds += elapsed;
      totals.set(key, entry);
      return output;
    },
  });
}
const started = performance.now();
for (let step = 0; step < steps; step++) await workload.step();
const stepMilliseconds = (performance.now() - started) / steps;
const rows = [...totals.values()]
  .map((entry) => ({ ...entry, milliseconds: entry.milliseconds / steps, calls: entry.calls / steps }))
  .sort((a, b) => b.milliseconds - a.milliseconds);
const byKernel = {};
for (const row of rows) byKernel[row.kernel] = (byKernel[row.kernel] ?? 0) + row.milliseconds;
const kernelMilliseconds = rows.reduce((sum, row) => sum + row.milliseconds, 0);
const report = {
  benchmark: 'speed-profile',
  model: modelName,
  backend: backend.name,
  stepMilliseconds: Number(stepMilliseconds.toFixed(1)),
  kernelMilliseconds: Number(kernelMilliseconds.toFixed(1)),
  byKernel: Object.fromEntries(
    Object.entries(byKernel)
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => [name, Number(ms.toFixed(2))]),
  ),
  top: rows.slice(0, 40).map((row) => ({ ...row, milliseconds: Number(row.milliseconds.toFixed(2)) })),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', `speed-profile-${modelName}-${backend.name}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log(JSON.stringify(report, null, 2));
