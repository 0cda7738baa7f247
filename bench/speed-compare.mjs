// Tessera against PyTorch CPU on the same machine, side by side in one run: ms per training
// step and items per second for nanoGPT's baby GPT step, the MNIST CNN step and a matrix
// factorization epoch (bench/speed-workloads.mjs; bench/speed-pytorch.py builds the same three),
// on every Tessera backend available here, on plain tfjs wasm without Tessera's kernel overrides
// (the "before"), and on PyTorch with 1 and 2 threads; plus GPT generation tokens/s with the
// key/value cache and with recomputation. Each runner is its own process; the runners take turns
// for --rounds rounds and each figure is from the round with the median time (the machine may be shared).
// Usage: node bench/speed-compare.mjs [--rounds 2] [--steps 10] [--cpu-steps 1] [--skip-cpu] [--skip-pytorch]
//        [--skip-data-parallel-bound] [--cpu-workloads matrix-factorization] [--summarize-only]
// tfjs-cpu runs in the first round only, for --cpu-steps steps, and by default only the MF epoch:
// on the loaded 2-core machine its GPT step ran over 15 minutes and its CNN step over 10 without
// finishing (--cpu-workloads gpt,cnn,matrix-factorization to include them).
// Setup for the PyTorch side: sh bench/setup-pytorch.sh (apt: python3-torch, libopenblas0-pthread).
// Prints JSON plus a ratio table, and writes bench/results/speed-compare.json.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listBackends } from '@tessera/core';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const rounds = Number(argument('rounds', 2));
const steps = Number(argument('steps', 10));
const cpuSteps = Number(argument('cpu-steps', 1));
const here = dirname(fileURLToPath(import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const runners = [];
const backends = (await listBackends()).filter((candidate) => candidate.available);
for (const { name } of backends) {
  if (name === 'cpu' && process.argv.includes('--skip-cpu')) continue;
  const stepArguments =
    name === 'cpu'
      ? [
          '--steps',
          String(cpuSteps),
          '--generate-tokens',
          '0',
          '--workloads',
          argument('cpu-workloads', 'matrix-factorization'),
        ]
      : ['--steps', String(steps)];
  runners.push({
    label: `tessera ${name}`,
    onlyFirstRound: name === 'cpu', // tfjs-cpu is ~50× slower: one round is enough to place it
    command: process.execPath,
    arguments: [join(here, 'speed-tessera.mjs'), '--backend', name, ...stepArguments],
  });
}
if (backends.some((candidate) => candidate.name === 'wasm')) {
  runners.push({
    label: 'tfjs wasm (no Tessera overrides)',
    command: process.execPath,
    arguments: [
      join(here, 'speed-tessera.mjs'),
      '--backend',
      'wasm',
      '--no-overrides',
      '--steps',
      String(Math.max(2, Math.ceil(steps / 3))),
    ],
  });
}
if (backends.some((candidate) => candidate.name === 'wasm') && !process.argv.includes('--skip-data-parallel-bound')) {
  // What data-parallel training over two wasm workers could at best give here: two processes,
  // each stepping half the GPT batch at the same time (no gradient exchange counted). The step
  // takes as long as the slower of the two. bench/data-parallel-step.mjs measures the real thing
  // (core's launchDataParallel, gradients averaged every step): 214.9 ms against this bound's 206.9.
  runners.push({
    label: 'tessera wasm, 2 processes × half batch (data-parallel bound)',
    processes: 2,
    command: process.execPath,
    arguments: [
      join(here, 'speed-tessera.mjs'),
      '--backend',
      'wasm',
      '--workloads',
      'gpt',
      '--batch-size',
      '6',
      '--generate-tokens',
      '0',
      '--steps',
      String(steps),
    ],
  });
}
if (!process.argv.includes('--skip-pytorch')) {
  for (const threads of [1, 2]) {
    runners.push({
      label: `pytorch cpu ${threads} thread${threads > 1 ? 's' : ''}`,
      command: python,
      arguments: [join(here, 'speed-pytorch.py'), '--threads', String(threads), '--steps', String(steps)],
    });
  }
}

/** Processes that each stepped part of the batch at once: the step is the slowest one's. */
function combineConcurrent(results) {
  const gpt = results.map((result) => result.results.gpt);
  const milliseconds = Math.max(...gpt.map((entry) => entry.millisecondsPerStep));
  return {
    ...results[0],
    results: {
      gpt: {
        ...gpt[0],
        description: `${gpt[0].description} in each of ${results.length} concurrent processes`,
        millisecondsPerStep: milliseconds,
        meanMillisecondsPerStep: Math.max(...gpt.map((entry) => entry.meanMillisecondsPerStep)),
        tokensPerSecond: Math.round(
          gpt.reduce((sum, entry) => sum + entry.tokensPerSecond * (entry.millisecondsPerStep / milliseconds), 0),
        ),
      },
    },
  };
}

// --summarize-only: rebuild the summary and table from the last run's raw results, measuring nothing.
const previous = process.argv.includes('--summarize-only')
  ? JSON.parse(readFileSync(join(here, 'results', 'speed-compare.json'), 'utf8'))
  : undefined;
const measurements = previous
  ? new Map(Object.entries(previous.runs))
  : new Map(runners.map((runner) => [runner.label, []]));
const loadAverages = previous ? [previous.loadAverageDuringRun] : [];
for (let round = 0; round < (previous ? 0 : rounds); round++) {
  for (const runner of runners) {
    if (runner.onlyFirstRound && round > 0) continue;
    loadAverages.push(loadavg()[0]);
    process.stderr.write(`round ${round + 1}/${rounds}: ${runner.label}\n`);
    try {
      const outputs = await Promise.all(
        Array.from({ length: runner.processes ?? 1 }, () =>
          promisify(execFile)(runner.command, runner.arguments, { encoding: 'utf8', timeout: 20 * 60 * 1000 }),
        ),
      );
      const results = outputs.map(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)));
      measurements.get(runner.label).push(results.length === 1 ? results[0] : combineConcurrent(results));
    } catch (error) {
      process.stderr.write(`  ${runner.label} failed: ${String(error.message).split('\n')[0]}\n`);
    }
  }
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)];
};
const workloads = ['gpt', 'cnn', 'matrix-factorization'];
const summary = {};
for (const [label, runs] of measurements) {
  if (runs.length === 0) continue;
  summary[label] = {};
  for (const workload of [...workloads, 'generation']) {
    const present = runs.map((run) => run.results[workload]).filter(Boolean);
    if (present.length === 0) continue;
    // The round with the median time (the lower of two), whole, so its figures agree with each other.
    const timeKey = workload === 'generation' ? 'keyValueCacheTokensPerSecond' : 'millisecondsPerStep';
    const middle = median(present.map((entry) => entry[timeKey]));
    const chosen = present.find((entry) => entry[timeKey] === middle);
    summary[label][workload] = Object.fromEntries(
      Object.entries(chosen).filter(([key, value]) => typeof value === 'number' && key !== 'steps' && key !== 'loss'),
    );
  }
}
const pytorchLabels = Object.keys(summary).filter((label) => label.startsWith('pytorch'));
const bestPytorch = (workload) => {
  const times = pytorchLabels.map((label) => summary[label][workload]?.millisecondsPerStep).filter(Boolean);
  return times.length === 0 ? undefined : Math.min(...times);
};
const ratios = {};
for (const label of Object.keys(summary).filter((label) => !label.startsWith('pytorch'))) {
  ratios[label] = Object.fromEntries(
    workloads.map((workload) => {
      const ours = summary[label][workload]?.millisecondsPerStep;
      const reference = bestPytorch(workload);
      return [workload, ours && reference ? Number((ours / reference).toFixed(2)) : undefined];
    }),
  );
}
const report = {
  benchmark: 'speed-compare',
  date: previous?.date ?? new Date().toISOString(),
  rounds: previous?.rounds ?? rounds,
  steps: previous?.steps ?? steps,
  loadAverageDuringRun: Number((loadAverages.reduce((a, b) => a + b, 0) / Math.max(1, loadAverages.length)).toFixed(2)),
  workloads: {
    gpt: 'nanogpt-baby training step: batch 12 × block 64, 4 layers, 4 heads, 128 dims, AdamW, clip 1.0 (ms per step)',
    cnn: 'MNIST CNN training step: conv 32/64 3×3 + pools, dense 128, dropout 0.5, batch 64, Adam (ms per step)',
    'matrix-factorization':
      'biased MF epoch: MovieLens 100K u1.base, 80,000 ratings, 32 factors, batch 512, Adam (ms per epoch)',
    generation: 'GPT sampling from the untrained nanogpt-baby, 48 new tokens, one sequence (tokens per second)',
  },
  summary,
  ratioToFastestPytorch: ratios,
  runs: Object.fromEntries(measurements),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'speed-compare.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));

// The ratio table: ms per step (× the fastest PyTorch).
const cell = (label, workload) => {
  const ms = summary[label]?.[workload]?.millisecondsPerStep;
  if (ms === undefined) return '—';
  const ratio = ratios[label]?.[workload];
  return ratio === undefined ? `${ms} ms` : `${ms} ms (${ratio}×)`;
};
const rows = [['runner', 'GPT step', 'CNN step', 'MF epoch', 'generate cached / recomputed tok/s']];
for (const label of Object.keys(summary)) {
  const generation = summary[label].generation;
  rows.push([
    label,
    ...workloads.map((workload) => cell(label, workload)),
    generation ? `${generation.keyValueCacheTokensPerSecond} / ${generation.recomputationTokensPerSecond}` : '—',
  ]);
}
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
console.log(`\nload average during the run: ${report.loadAverageDuringRun}; (×) = time / fastest PyTorch`);
for (const row of rows) console.log(row.map((value, column) => value.padEnd(widths[column])).join('  '));
