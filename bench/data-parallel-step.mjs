// Does data-parallel training across worker threads pay on the embedded wasm backend? Times the
// nanoGPT-baby step and the MNIST CNN step (bench/step-workloads.mjs) on wasm in one process, and
// with the batch split over `--workers` worker threads (launchDataParallel: one wasm instance per
// thread, gradients averaged every step), beside PyTorch's own step at 1 thread and at as many
// threads as workers (bench/torch-step-pytorch.py, OpenBLAS pinned likewise), round by round.
// Usage: node bench/data-parallel-step.mjs [--workers 2] [--steps 10] [--warmup 2] [--rounds 3]
//   [--backend wasm]
// Prints JSON and a table; writes bench/results/data-parallel-step.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, launchDataParallel } from '@tessera/core';
import { median, stepWorkloads, timeSteps } from './step-workloads.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const workers = Number(argument('workers', Math.min(2, availableParallelism())));
const steps = Number(argument('steps', 10));
const warmup = Number(argument('warmup', 2));
const rounds = Number(argument('rounds', 3));
const backend = argument('backend', 'wasm');
const here = dirname(fileURLToPath(import.meta.url));

await initBackend({ backend });

function singleProcess(workload) {
  const { run, dispose } = stepWorkloads[workload]();
  const milliseconds = timeSteps(run, { warmup, steps });
  dispose();
  return milliseconds;
}

async function dataParallel(workload) {
  const reports = await launchDataParallel(new URL('./data-parallel-step-worker.mjs', import.meta.url), {
    workers,
    data: { workload, backend, steps, warmup },
  });
  return Math.max(...reports.map((report) => report.millisecondsPerStep)); // the group moves at its slowest
}

function pytorch(threads) {
  const output = execFileSync(
    '/usr/bin/python3',
    [
      join(here, 'torch-step-pytorch.py'),
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
      '--threads',
      String(threads),
    ],
    { encoding: 'utf8' },
  );
  const result = JSON.parse(output.trim().split('\n').at(-1));
  return { gpt: result.gptMillisecondsPerStep, cnn: result.cnnMillisecondsPerStep };
}

const runners = [
  `${backend}, 1 process`,
  `${backend}, ${workers} workers`,
  'pytorch, 1 thread',
  `pytorch, ${workers} threads`,
];
const samples = Object.fromEntries(runners.map((runner) => [runner, { gpt: [], cnn: [] }]));
const round2 = (value) => Number(value.toFixed(2));
const loadBefore = loadavg()[0];
for (let round = 0; round < rounds; round++) {
  for (const threads of [1, workers]) {
    const times = pytorch(threads);
    const runner = threads === 1 ? 'pytorch, 1 thread' : `pytorch, ${workers} threads`;
    for (const workload of ['gpt', 'cnn']) samples[runner][workload].push(times[workload]);
  }
  for (const workload of ['gpt', 'cnn']) {
    samples[`${backend}, 1 process`][workload].push(round2(singleProcess(workload)));
    samples[`${backend}, ${workers} workers`][workload].push(round2(await dataParallel(workload)));
  }
  console.error(
    `round ${round + 1}/${rounds}: ${JSON.stringify(Object.fromEntries(runners.map((runner) => [runner, [samples[runner].gpt.at(-1), samples[runner].cnn.at(-1)]])))}`,
  );
}
const medians = Object.fromEntries(
  runners.map((runner) => [
    runner,
    { gpt: round2(median(samples[runner].gpt)), cnn: round2(median(samples[runner].cnn)) },
  ]),
);
const fastestPytorch = (workload) =>
  Math.min(medians['pytorch, 1 thread'][workload], medians[`pytorch, ${workers} threads`][workload]);
const report = {
  benchmark: 'data-parallel-step',
  date: new Date().toISOString(),
  backend,
  workers,
  steps,
  warmup,
  rounds,
  cores: availableParallelism(),
  loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
  samples,
  medians,
  speedup: {
    gpt: Number((medians[`${backend}, 1 process`].gpt / medians[`${backend}, ${workers} workers`].gpt).toFixed(2)),
    cnn: Number((medians[`${backend}, 1 process`].cnn / medians[`${backend}, ${workers} workers`].cnn).toFixed(2)),
  },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'data-parallel-step.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
console.log(`\nrunner (ms per step; × fastest PyTorch)   GPT                 CNN`);
for (const runner of runners) {
  const cell = (workload) =>
    `${medians[runner][workload].toFixed(1)} (${(medians[runner][workload] / fastestPytorch(workload)).toFixed(2)}×)`.padEnd(
      20,
    );
  console.log(`${runner.padEnd(40)} ${cell('gpt')}${cell('cnn')}`);
}
console.log(`data-parallel speedup over 1 process: GPT ${report.speedup.gpt}×, CNN ${report.speedup.cnn}×`);
