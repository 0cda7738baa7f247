// Training step times on the LibTorch backend (@tessera/backend-torch) against wasm and against
// PyTorch itself, side by side in one run on this machine: nanoGPT's baby GPT step and an
// MNIST-shaped CNN step (bench/step-workloads.mjs). --threads applies to both sides, OpenBLAS's
// pool included (bench/nanogpt_model.py's set_threads; LibTorch's OpenBLAS ignores
// torch.set_num_threads).
// The PyTorch reference is bench/torch-step-pytorch.py (the same models, same thread count), kept
// running beside this process: each round measures PyTorch, then every backend, back to back, so
// all of them see the same machine load; ratios are per round, and the medians are reported.
// Usage: node bench/torch-step.mjs [--steps 30] [--warmup 5] [--threads 2] [--rounds 3]
//   [--backends torch,wasm] [--unfused]
// --unfused adds 'torch-unfused': torch with Tessera's fused kernels unregistered, so core runs its
// composed ops there (what the torch backend did before them), measured in the same rounds.
// Prints JSON and a ratio table; writes bench/results/torch-step.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';
import { median, stepWorkloads, timeSteps } from './step-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const steps = Number(argument('steps', 30));
const warmup = Number(argument('warmup', 5));
const threads = Number(argument('threads', 2));
const rounds = Number(argument('rounds', 3));
const backends = argument('backends', 'torch,wasm').split(',');
if (process.argv.includes('--unfused')) backends.splice(1, 0, 'torch-unfused');
const here = dirname(fileURLToPath(import.meta.url));
process.env.TESSERA_TORCH_THREADS = String(threads); // read when @tessera/backend-torch loads

/** Milliseconds per step of a workload (bench/step-workloads.mjs), after `warmup` untimed steps. */
function stepTime(createStep) {
  const { run, dispose } = createStep();
  const milliseconds = timeSteps(run, { warmup, steps });
  dispose();
  return milliseconds;
}

/** Microseconds per tiny op (an add of two [4] tensors): the per-kernel overhead, tfjs's engine included. */
function tinyOpMicroseconds() {
  const x = tf.ones([4]);
  for (let index = 0; index < 2000; index++) tf.add(x, x).dispose();
  const started = performance.now();
  for (let index = 0; index < 10_000; index++) tf.add(x, x).dispose();
  x.dispose();
  return ((performance.now() - started) * 1000) / 10_000;
}

// torch-unfused: the torch backend without Tessera's fused kernels (core then composes tfjs ops).
const fusedKernels = [];
async function activate(name) {
  await initBackend({ backend: name === 'torch-unfused' ? 'torch' : name });
  if (fusedKernels.length === 0) {
    fusedKernels.push(...tf.getKernelsForBackend('torch').filter((config) => config.kernelName.startsWith('Tessera')));
  }
  for (const config of fusedKernels) {
    const registered = tf.getKernel(config.kernelName, 'torch') !== undefined;
    if (name === 'torch-unfused' && registered) tf.unregisterKernel(config.kernelName, 'torch');
    if (name !== 'torch-unfused' && !registered) tf.registerKernel(config);
  }
  return tf.getBackend();
}

const round2 = (value) => Number(value.toFixed(2));

const pytorchProcess = spawn(
  '/usr/bin/python3',
  [
    join(here, 'torch-step-pytorch.py'),
    '--steps',
    String(steps),
    '--warmup',
    String(warmup),
    '--threads',
    String(threads),
    '--serve',
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const pytorchLines = createInterface({ input: pytorchProcess.stdout })[Symbol.asyncIterator]();
const nextPytorchLine = async () => JSON.parse((await pytorchLines.next()).value);
const pytorchInfo = await nextPytorchLine();
const pytorchStepTime = async (workload) => {
  pytorchProcess.stdin.write(`${workload}\n`);
  return (await nextPytorchLine()).millisecondsPerStep;
};

const loadBefore = loadavg()[0];
const measured = {};
for (const name of backends) {
  await activate(name);
  const info = await initBackend({ backend: name === 'torch-unfused' ? 'torch' : name });
  measured[name] = { detail: info.candidates[0]?.detail, tinyOpMicroseconds: Number(tinyOpMicroseconds().toFixed(1)) };
}
const samples = { pytorch: { gpt: [], cnn: [] } };
for (const name of backends) samples[name] = { gpt: [], cnn: [] };
for (let round = 0; round < rounds; round++) {
  for (const [workload, createStep] of Object.entries(stepWorkloads)) {
    samples.pytorch[workload].push(await pytorchStepTime(workload));
    for (const name of backends) {
      await activate(name);
      samples[name][workload].push(round2(stepTime(createStep)));
    }
    console.error(
      `round ${round + 1}/${rounds} ${workload}: ${JSON.stringify(Object.fromEntries(Object.entries(samples).map(([name, times]) => [name, times[workload].at(-1)])))}`,
    );
  }
}
pytorchProcess.stdin.end();
for (const name of backends) {
  measured[name].gptMillisecondsPerStep = round2(median(samples[name].gpt));
  measured[name].cnnMillisecondsPerStep = round2(median(samples[name].cnn));
  measured[name].numTensorsAfter = tf.memory().numTensors;
}
const pytorch = {
  ...pytorchInfo,
  gptMillisecondsPerStep: round2(median(samples.pytorch.gpt)),
  cnnMillisecondsPerStep: round2(median(samples.pytorch.cnn)),
};
// Each round's ratio compares measurements taken seconds apart; the median resists load spikes.
const ratioOf = (name, workload) =>
  Number(median(samples[name][workload].map((time, round) => time / samples.pytorch[workload][round])).toFixed(3));
const ratios = Object.fromEntries(
  backends.map((name) => [name, { gptVersusPytorch: ratioOf(name, 'gpt'), cnnVersusPytorch: ratioOf(name, 'cnn') }]),
);
const report = {
  benchmark: 'torch-step',
  date: new Date().toISOString(),
  steps,
  warmup,
  threads,
  rounds,
  loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
  backends: measured,
  pytorch,
  samples,
  ratios,
  target: 'torch within 1.2x of PyTorch for both steps',
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'torch-step.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
console.log(`\nstep               ${['pytorch', ...Object.keys(measured)].map((name) => name.padStart(15)).join('')}`);
for (const [label, key] of [
  ['gpt ms/step', 'gptMillisecondsPerStep'],
  ['cnn ms/step', 'cnnMillisecondsPerStep'],
]) {
  const cells = [pytorch[key], ...Object.values(measured).map((times) => times[key])];
  console.log(label.padEnd(19) + cells.map((value) => value.toFixed(1).padStart(15)).join(''));
}
for (const [name, ratio] of Object.entries(ratios)) {
  console.log(
    `${name} / pytorch (median of per-round ratios): gpt ${ratio.gptVersusPytorch}x, cnn ${ratio.cnnVersusPytorch}x`,
  );
}
tf.disposeVariables();
