// The floor under bench/speed-compare.mjs's GPT ratio: GFLOP/s of the matrix products a
// nanogpt-baby step is made of, on Tessera's wasm backend (XNNPACK, WebAssembly SIMD128, one
// thread) and in PyTorch CPU (OpenBLAS) on 1 thread, interleaved in one run.
// Usage: node bench/speed-matmul.mjs [--repeats 30] [--rounds 3]
// Prints JSON (and writes bench/results/speed-matmul.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const repeats = Number(argument('repeats', 30));
const rounds = Number(argument('rounds', 3));
const here = dirname(fileURLToPath(import.meta.url));
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// [batch, m, k, n]: the MLP expansion (768 rows = batch 12 × block 64) and attention's scores.
const shapes = [
  [1, 768, 128, 512],
  [1, 768, 512, 128],
  [48, 64, 32, 64],
];
const pytorchSource = `
import ctypes, sys, time, torch
torch.set_num_threads(1)
# Debian's PyTorch uses OpenBLAS, whose pool ignores torch.set_num_threads: pin it as well.
ctypes.CDLL("libopenblas.so.0", mode=4).openblas_set_num_threads(1)
for b, m, k, n in ${JSON.stringify(shapes)}:
    x, w = torch.randn(b, m, k), torch.randn(b, k, n)
    for _ in range(3): x @ w
    started = time.perf_counter()
    for _ in range(${repeats}): x @ w
    print((time.perf_counter() - started) / ${repeats} * 1000)
`;

await initBackend({ backend: 'wasm' });
const wasmMilliseconds = () =>
  shapes.map(([batch, m, k, n]) => {
    const [a, b] = [
      tf.randomNormal(batch === 1 ? [m, k] : [batch, m, k]),
      tf.randomNormal(batch === 1 ? [k, n] : [batch, k, n]),
    ];
    const run = () => tf.tidy(() => tf.matMul(a, b)).dataSync();
    for (let i = 0; i < 3; i++) run();
    const started = performance.now();
    for (let i = 0; i < repeats; i++) run();
    tf.dispose([a, b]);
    return (performance.now() - started) / repeats;
  });
const samples = { wasm: [], pytorch: [] };
const loads = [];
for (let round = 0; round < rounds; round++) {
  loads.push(loadavg()[0]);
  samples.wasm.push(wasmMilliseconds());
  samples.pytorch.push(
    execFileSync(python, ['-c', pytorchSource], { encoding: 'utf8' }).trim().split('\n').map(Number),
  );
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const products = shapes.map(([batch, m, k, n], index) => {
  const gigaflop = (2 * batch * m * k * n) / 1e9;
  const wasm = median(samples.wasm.map((sample) => sample[index]));
  const pytorch = median(samples.pytorch.map((sample) => sample[index]));
  return {
    product: `${batch === 1 ? '' : `${batch}× `}[${m},${k}]·[${k},${n}]`,
    wasmMilliseconds: Number(wasm.toFixed(3)),
    pytorchMilliseconds: Number(pytorch.toFixed(3)),
    wasmGflops: Number((gigaflop / (wasm / 1000)).toFixed(1)),
    pytorchGflops: Number((gigaflop / (pytorch / 1000)).toFixed(1)),
    ratio: Number((wasm / pytorch).toFixed(2)),
  };
});
const report = {
  benchmark: 'speed-matmul',
  date: new Date().toISOString(),
  threads: 1,
  repeats,
  rounds,
  loadAverage: Number((loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(2)),
  products,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'speed-matmul.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
