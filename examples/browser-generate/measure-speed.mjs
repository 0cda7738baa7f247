// Generation speed of the built page in headless Chromium, wasm vs cpu backend, beside Node's wasm
// on the same export: characters per second for greedy decoding, median of --repeats runs.
// Usage: node measure-speed.mjs [--model public/model] [--tokens 200] [--repeats 3]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '@tessera/core';
import { generate, loadTransformerExport } from '@tessera/transformer';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { serveDirectory } from './static-server.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const model = resolve(argument('model', join(import.meta.dirname, 'public/model')));
const tokens = Number(argument('tokens', 200));
const repeats = Number(argument('repeats', 3));
const prompt = 'ROMEO:\n';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'tessera-browser-speed-'));
await build({ root: import.meta.dirname, logLevel: 'error', build: { outDir: join(work, 'dist'), emptyOutDir: true } });
cpSync(model, join(work, 'dist', 'model-measured'), { recursive: true });
const { server, url } = await serveDirectory(join(work, 'dist'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

const results = {};
for (const backend of ['wasm', 'cpu']) {
  const page = await browser.newPage();
  await page.goto(`${url}?model=./model-measured/&backend=${backend}`);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 120_000 });
  await page.fill('#prompt', prompt);
  await page.fill('#max-tokens', String(tokens));
  await page.fill('#temperature', '0');
  const rates = [];
  for (let run = 0; run < repeats; run++) {
    await page.click('#generate');
    await page.waitForSelector('#status[data-state="done"]', { timeout: 600_000 });
    const timing = await page.textContent('#timing');
    rates.push(Number(/\(([\d.]+)\/s\)/.exec(timing)[1]));
  }
  results[`chromium-${backend}`] = { charactersPerSecond: median(rates), runs: rates };
  await page.close();
}
await browser.close();
server.close();

await initBackend({ backend: 'wasm' });
const loaded = await loadTransformerExport(model);
const rates = [];
for (let run = 0; run < repeats; run++) {
  const began = performance.now();
  await generate(loaded.model, loaded.tokenizer.encode(prompt), { maxNewTokens: tokens, temperature: 0 });
  rates.push(Number((tokens / ((performance.now() - began) / 1000)).toFixed(1)));
}
results['node-wasm'] = { charactersPerSecond: median(rates), runs: rates };
rmSync(work, { recursive: true, force: true });

const summary = {
  model,
  parameters: loaded.model.parameterCount(),
  tokens,
  repeats,
  results,
  wasmOverCpuInChromium: Number(
    (results['chromium-wasm'].charactersPerSecond / results['chromium-cpu'].charactersPerSecond).toFixed(2),
  ),
  loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
};
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
