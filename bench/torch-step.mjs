// Training step times on the LibTorch backend (@tessera/backend-torch) against wasm and against
// PyTorch itself, side by side in one run on this machine: nanoGPT's baby GPT step and an
// MNIST-shaped CNN step (bench/step-workloads.mjs). --threads applies to both sides, OpenBLAS's
// pool included (bench/nanogpt_model.py's set_threads; LibTorch's OpenBLAS ignores
// torch.set_num_threads).
// The PyTorch reference is bench/torch-step-pytorch.py (the same models, same thread count), kept
// running beside this process: each round measures PyTorch, then every backend, back to back, so
// all of them see the same machine load; ratios are per round, and the medians are reported.
// Usage: node bench/torch-step.mjs [--steps 30] [--warmup 5] [--threads 2] [--rounds 3]
//   [--backends torch,wasm] [--unfused] [--precision fp32|bf16] [--workloads gpt,cnn] [--products]
// --unfused adds 'torch-unfused': torch with Tessera's fused kernels unregistered, so core runs its
// composed ops there (what the torch backend did before them), measured in the same rounds.
// --precision bf16 adds 'torch-bf16' (the torch backend in bf16-mixed precision, through the
// backend contract's setPrecision) and times PyTorch both in fp32 and under
// torch.autocast('cpu', dtype=torch.bfloat16) ('pytorch-bf16'); every runner's precision is in
// the JSON, and bf16 runners get ratios against both PyTorch runs.
// --products also times, each round, the GPT step's products as the model calls them (the fused
// Linear kernels at 768x128.128x512-style shapes, forward and forward + backward; the fused
// attention kernels forward + backward; step-workloads.mjs's createProductCases, fresh inputs per
// call) on torch in fp32 and in bf16-mixed.
// --workloads picks the steps timed (e.g. gpt; none: --workloads '').
// Prints JSON and a ratio table; writes bench/results/torch-step.json (torch-step-bf16.json with
// --precision bf16).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';
import { builtinBackendAdapters } from '@tessera/core/backend';
import { createProductCases, median, stepWorkloads, timeProduct, timeSteps } from './step-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const steps = Number(argument('steps', 30));
const warmup = Number(argument('warmup', 5));
const threads = Number(argument('threads', 2));
const rounds = Number(argument('rounds', 3));
const precision = argument('precision', 'fp32');
const workloads = Object.fromEntries(
  argument('workloads', 'gpt,cnn')
    .split(',')
    .filter((name) => name !== '')
    .map((name) => [name, stepWorkloads[name]]),
);
const timeProducts = process.argv.includes('--products');
if (precision !== 'fp32' && precision !== 'bf16') throw new Error(`--precision fp32 or bf16, got ${precision}`);
const backends = argument('backends', 'torch,wasm').split(',');
if (process.argv.includes('--unfused')) backends.splice(1, 0, 'torch-unfused');
if (precision === 'bf16' && !backends.includes('torch-bf16')) backends.splice(1, 0, 'torch-bf16');
/** The PyTorch runs: fp32 always, and autocast bf16 with --precision bf16. */
const pytorchRunners = precision === 'bf16' ? ['pytorch', 'pytorch-bf16'] : ['pytorch'];
const precisionOf = (name) => (name.endsWith('-bf16') ? 'bf16-mixed' : 'fp32');
const tfjsBackendOf = (name) => (name === 'torch-unfused' || name === 'torch-bf16' ? 'torch' : name);
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
// torch-bf16: the torch backend in bf16-mixed, set as the Trainer sets it: the active backend's
// adapter's setPrecision (the backend contract's; torch's is @tessera/backend-torch's setTorchPrecision).
const fusedKernels = [];
async function activate(name) {
  await initBackend({ backend: tfjsBackendOf(name) });
  const adapter = builtinBackendAdapters.find((candidate) => candidate.name === tfjsBackendOf(name));
  if (adapter.setPrecision !== undefined) adapter.setPrecision(precisionOf(name));
  else if (precisionOf(name) !== 'fp32') throw new Error(`backend ${adapter.name} has no 16-bit kernels`);
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
const pytorchStepTime = async (workload, runner) => {
  pytorchProcess.stdin.write(`${workload} ${runner === 'pytorch-bf16' ? 'bf16' : 'fp32'}\n`);
  return (await nextPytorchLine()).millisecondsPerStep;
};

const loadBefore = loadavg()[0];
const measured = {};
for (const name of backends) {
  await activate(name);
  const info = await initBackend({ backend: tfjsBackendOf(name) });
  measured[name] = {
    detail: info.candidates[0]?.detail,
    precision: precisionOf(name),
    tinyOpMicroseconds: Number(tinyOpMicroseconds().toFixed(1)),
  };
}
const samples = {};
for (const name of [...pytorchRunners, ...backends]) samples[name] = { gpt: [], cnn: [] };
const productSamples = {};
for (let round = 0; round < rounds; round++) {
  if (timeProducts) {
    for (const name of ['torch', 'torch-bf16']) {
      await activate(name);
      const { cases, dispose } = createProductCases();
      for (const [label, productCase] of Object.entries(cases)) {
        productSamples[label] ??= { flops: productCase.flops, torch: [], 'torch-bf16': [] };
        productSamples[label][name].push(round2(timeProduct(productCase, 30)));
      }
      dispose();
    }
    console.error(`round ${round + 1}/${rounds} products: ${JSON.stringify(productSamples)}`);
  }
  for (const [workload, createStep] of Object.entries(workloads)) {
    for (const runner of pytorchRunners) samples[runner][workload].push(await pytorchStepTime(workload, runner));
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
const medianOrNull = (values) => (values.length === 0 ? null : round2(median(values)));
for (const name of backends) {
  measured[name].gptMillisecondsPerStep = medianOrNull(samples[name].gpt);
  measured[name].cnnMillisecondsPerStep = medianOrNull(samples[name].cnn);
  measured[name].numTensorsAfter = tf.memory().numTensors;
}
// Products: median microseconds per call over rounds, GFLOP/s, and the bf16 speed-up.
const products = Object.fromEntries(
  Object.entries(productSamples).map(([label, { flops, ...times }]) => {
    const fp32 = median(times.torch);
    const bf16 = median(times['torch-bf16']);
    return [
      label,
      {
        microseconds: { fp32: round2(fp32), 'bf16-mixed': round2(bf16) },
        gflops: { fp32: round2(flops / fp32 / 1e3), 'bf16-mixed': round2(flops / bf16 / 1e3) },
        bf16Speedup: round2(fp32 / bf16),
      },
    ];
  }),
);
const pytorchOf = (runner) => ({
  ...pytorchInfo,
  precision: runner === 'pytorch-bf16' ? 'bf16 (torch.autocast cpu)' : 'fp32',
  gptMillisecondsPerStep: medianOrNull(samples[runner].gpt),
  cnnMillisecondsPerStep: medianOrNull(samples[runner].cnn),
});
const pytorch = pytorchOf('pytorch');
// Each round's ratio compares measurements taken seconds apart; the median resists load spikes.
const ratioOf = (name, workload, reference = 'pytorch') =>
  samples[name][workload].length === 0
    ? null
    : Number(
        median(samples[name][workload].map((time, round) => time / samples[reference][workload][round])).toFixed(3),
      );
const ratios = Object.fromEntries(
  backends.map((name) => [
    name,
    {
      gptVersusPytorch: ratioOf(name, 'gpt'),
      cnnVersusPytorch: ratioOf(name, 'cnn'),
      ...(pytorchRunners.includes('pytorch-bf16')
        ? {
            gptVersusPytorchBf16: ratioOf(name, 'gpt', 'pytorch-bf16'),
            cnnVersusPytorchBf16: ratioOf(name, 'cnn', 'pytorch-bf16'),
          }
        : {}),
    },
  ]),
);
const report = {
  benchmark: 'torch-step',
  date: new Date().toISOString(),
  steps,
  warmup,
  threads,
  rounds,
  precision,
  loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
  backends: measured,
  pytorch,
  ...(pytorchRunners.includes('pytorch-bf16') ? { pytorchBf16: pytorchOf('pytorch-bf16') } : {}),
  samples,
  ratios,
  ...(timeProducts ? { products, productSamples } : {}),
  target: 'torch within 1.2x of PyTorch for both steps',
};
mkdirSync(join(here, 'results'), { recursive: true });
const resultName = precision === 'bf16' ? 'torch-step-bf16.json' : 'torch-step.json';
writeFileSync(join(here, 'results', resultName), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
const columns = { pytorch, ...(report.pytorchBf16 ? { 'pytorch-bf16': report.pytorchBf16 } : {}), ...measured };
console.log(
  `\nstep               ${Object.keys(columns)
    .map((name) => name.padStart(15))
    .join('')}`,
);
for (const [label, key] of [
  ['gpt ms/step', 'gptMillisecondsPerStep'],
  ['cnn ms/step', 'cnnMillisecondsPerStep'],
]) {
  const cells = Object.values(columns).map((times) => times[key]);
  console.log(label.padEnd(19) + cells.map((value) => (value?.toFixed(1) ?? '-').padStart(15)).join(''));
}
for (const [label, product] of Object.entries(products)) {
  console.log(
    `${label}: fp32 ${product.microseconds.fp32} us, bf16-mixed ${product.microseconds['bf16-mixed']} us (${product.bf16Speedup}x)`,
  );
}
for (const [name, ratio] of Object.entries(workloads).length === 0 ? [] : Object.entries(ratios)) {
  const bf16 =
    ratio.gptVersusPytorchBf16 === undefined
      ? ''
      : `; / pytorch-bf16: gpt ${ratio.gptVersusPytorchBf16}x, cnn ${ratio.cnnVersusPytorchBf16}x`;
  console.log(
    `${name} / pytorch (median of per-round ratios): gpt ${ratio.gptVersusPytorch}x, cnn ${ratio.cnnVersusPytorch}x${bf16}`,
  );
}
tf.disposeVariables();
