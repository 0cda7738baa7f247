// Load test of `tessera serve` on loopback: the server runs as its own process (as a user runs it)
// with the int8 quickstart GPT that bench/quantization.mjs exports; autocannon drives it.
//   1. GET /health: the HTTP stack alone.
//   2. POST /v1/generate (16 new tokens) at a concurrency the queue absorbs: throughput, p50/p99.
//   3. Overload: many more connections than slots + queue; the server must shed with 429 (and
//      Retry-After) and keep answering /health, which a probe checks every 100 ms meanwhile.
// Every phase is bounded by a request count and a duration.
// Usage: node bench/serve-load.mjs [--export bench/results/exports/quickstart-gpt-int8]
//          [--generate-requests 60] [--overload-requests 300] [--max-tokens 16]
// Needs the built CLI (npx turbo build --filter=@tessera/cli). Prints JSON and writes
// bench/results/serve-load.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const here = dirname(fileURLToPath(import.meta.url));
const exportDirectory = argument('export', join(here, 'results', 'exports', 'quickstart-gpt-int8'));
const generateRequests = Number(argument('generate-requests', 60));
const overloadRequests = Number(argument('overload-requests', 300));
const maxTokens = Number(argument('max-tokens', 16));
const maxConcurrency = 1;
const maxQueue = 4;
const say = (text) => process.stderr.write(`${text}\n`);
if (!existsSync(join(exportDirectory, 'tessera.json'))) {
  say(`no export at ${exportDirectory}: run node bench/quantization.mjs first (it writes the quickstart GPT exports)`);
  process.exit(1);
}
const bin = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');

// --- start the server and learn its port from its structured log ------------------------------
const server = spawn(
  process.execPath,
  [
    bin,
    'serve',
    exportDirectory,
    '--port',
    '0',
    '--max-concurrency',
    String(maxConcurrency),
    '--max-queue',
    String(maxQueue),
    '--backend',
    'wasm',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const logLines = [];
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the server did not start within 60 s')), 60_000);
  let buffer = '';
  server.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      logLines.push(line);
      const address = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (address) {
        clearTimeout(timer);
        resolve(address[1]);
      }
    }
  });
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});
say(`server at ${base}`);

/** Runs autocannon bounded by `amount` requests and `seconds`. */
function load(options, seconds) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...options, timeout: 60 }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    const timer = setTimeout(() => instance.stop(), seconds * 1000);
    instance.once('done', () => clearTimeout(timer));
  });
}
const summarize = (result) => ({
  requests: result.requests.total,
  seconds: Number((result.duration ?? 0).toFixed(2)),
  requestsPerSecond: Number(result.requests.average.toFixed(2)),
  latencyMilliseconds: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  },
  statusCodes: Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  ),
  errors: result.errors,
  timeouts: result.timeouts,
});
const generateBody = JSON.stringify({ prompt: 'ROMEO:\n', maxTokens, temperature: 0.8, topK: 40 });
const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: generateBody };

say('phase 1: GET /health');
const health = summarize(await load({ url: `${base}/health`, connections: 10, amount: 2000 }, 60));

say('phase 2: POST /v1/generate within capacity');
const generation = summarize(
  await load(
    { url: `${base}/v1/generate`, ...post, connections: maxConcurrency + maxQueue - 1, amount: generateRequests },
    240,
  ),
);
generation.tokensPerSecond = Number(
  (((generation.statusCodes['200'] ?? 0) * maxTokens) / generation.seconds).toFixed(1),
);

say('phase 3: overload, with a /health probe every 100 ms');
const probes = [];
let probing = true;
const probe = (async () => {
  while (probing) {
    const started = performance.now();
    try {
      const response = await fetch(`${base}/health`);
      await response.json();
      probes.push({ ok: response.status === 200, milliseconds: performance.now() - started });
    } catch {
      probes.push({ ok: false, milliseconds: performance.now() - started });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();
const overload = summarize(
  await load({ url: `${base}/v1/generate`, ...post, connections: 32, amount: overloadRequests }, 240),
);
probing = false;
await probe;
const probeTimes = probes.map((entry) => entry.milliseconds).sort((a, b) => a - b);
const percentile = (p) =>
  Number((probeTimes[Math.min(probeTimes.length - 1, Math.floor(p * probeTimes.length))] ?? 0).toFixed(1));
const after = await (await fetch(`${base}/health`)).json();

// --- graceful shutdown ------------------------------------------------------------------------
const stopped = performance.now();
server.kill('SIGTERM');
const exitCode = await new Promise((resolve) => server.once('exit', resolve));

const report = {
  benchmark: 'serve-load',
  date: new Date().toISOString(),
  export: exportDirectory.replace(`${join(here, '..')}/`, ''),
  server: { maxConcurrency, maxQueue, process: 'separate (node packages/cli/dist/bin.js serve)', backend: 'wasm' },
  loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
  health,
  generate: { maxTokens, connections: maxConcurrency + maxQueue - 1, ...generation },
  overload: {
    connections: 32,
    ...overload,
    shed: (overload.statusCodes['429'] ?? 0) + (overload.statusCodes['503'] ?? 0),
    served: overload.statusCodes['200'] ?? 0,
    healthProbes: {
      count: probes.length,
      failed: probes.filter((entry) => !entry.ok).length,
      latencyMilliseconds: { p50: percentile(0.5), p99: percentile(0.99), max: percentile(1) },
    },
    healthAfter: after,
  },
  shutdown: { signal: 'SIGTERM', exitCode, milliseconds: Math.round(performance.now() - stopped) },
  logSample: logLines.slice(-2).map((line) => JSON.parse(line)),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'serve-load.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
