// End to end in a real browser: train and export a tiny GPT in Node, build the page with Vite,
// serve it, and drive headless Chromium. The independent reference for the page's text is Node's
// `generate` on the same export, prompt and options (same wasm kernels, so the same tokens).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initBackend } from '@tessera/core';
import { generate, loadTransformerExport } from '@tessera/transformer';
import { chromium } from 'playwright-core';
import { build, createLogger } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from './static-server.mjs';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  console.warn(
    `SKIPPED browser-generate: no Chromium at ${chromiumPath}. Install it (Debian: apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH.`,
  );
}

const here = import.meta.dirname;
const run = promisify(execFile);

// CI installs Chromium (.ci/run): there, a missing browser is a failure, never a silent skip.
it.runIf(process.env.CI === 'true')('has Chromium when CI runs', () => {
  expect(haveChromium, `no Chromium at ${chromiumPath}`).toBe(true);
});

describe.skipIf(!haveChromium)('browser-generate page (Vite build, headless Chromium)', () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-browser-generate-'));
  const dist = join(work, 'dist');
  const buildWarnings = [];
  let browser;
  let server;
  let baseUrl;
  const loaded = {};

  beforeAll(async () => {
    // 30 training steps: the text is rough, but every comparison below is exact.
    await run(process.execPath, ['prepare-model.mjs', '--steps', '30', '--out', join(work, 'model')], { cwd: here });
    await run(
      process.execPath,
      ['prepare-model.mjs', '--export', join(work, 'model'), '--quantize', 'int8', '--out', join(work, 'model-int8')],
      { cwd: here },
    );

    const logger = createLogger('warn');
    logger.warn = (message) => buildWarnings.push(message);
    logger.warnOnce = (message) => buildWarnings.push(message);
    await build({
      root: here,
      configFile: join(here, 'vite.config.mjs'),
      customLogger: logger,
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true },
    });
    cpSync(join(work, 'model'), join(dist, 'model-test'), { recursive: true });
    cpSync(join(work, 'model-int8'), join(dist, 'model-int8'), { recursive: true });
    // The same export with one weight byte changed: same size, different SHA-256.
    cpSync(join(work, 'model'), join(dist, 'model-tampered'), { recursive: true });
    const weights = join(dist, 'model-tampered', 'model.safetensors');
    const bytes = readFileSync(weights);
    bytes[bytes.length - 5] ^= 0x01;
    writeFileSync(weights, bytes);

    ({ server, url: baseUrl } = await serveDirectory(dist));
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });

    await initBackend({ backend: 'wasm' });
    loaded.float32 = await loadTransformerExport(join(work, 'model'));
    loaded.int8 = await loadTransformerExport(join(work, 'model-int8'));
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    for (const model of Object.values(loaded)) model.model.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  /** Opens the page on an export, waits until it has loaded (or failed); returns the page. */
  async function openPage(model, pageErrors, extraQuery = '') {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${baseUrl}?model=./${model}/${extraQuery}`);
    await page.waitForSelector('#status[data-state="ready"], #status[data-state="error"]', { timeout: 60_000 });
    return page;
  }

  async function generateInPage(page, options) {
    await page.fill('#prompt', options.prompt);
    await page.fill('#max-tokens', String(options.maxNewTokens));
    await page.fill('#temperature', String(options.temperature));
    await page.fill('#top-k', String(options.topK ?? 0));
    await page.fill('#seed', String(options.seed));
    await page.click('#generate');
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 60_000 });
    return {
      state: await page.getAttribute('#status', 'data-state'),
      status: await page.textContent('#status'),
      text: await page.textContent('#generated'),
      streamedTokens: Number(await page.getAttribute('#generated', 'data-streamed-tokens')),
      tensorsBefore: Number(await page.getAttribute('#timing', 'data-tensors-before')),
      tensorsAfter: Number(await page.getAttribute('#timing', 'data-tensors-after')),
    };
  }

  async function nodeReference(which, options) {
    const { model, tokenizer } = loaded[which];
    const tokens = await generate(model, tokenizer.encode(options.prompt), {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      topK: options.topK,
      seed: options.seed,
    });
    return tokenizer.decode(tokens);
  }

  it('bundles with no warnings (no Node built-in reaches the page or its worker)', () => {
    expect(buildWarnings).toEqual([]);
    expect(existsSync(join(dist, 'tfjs-wasm', 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('loads the export on wasm, shows its manifest, and generates greedily exactly what Node generates', async () => {
    const pageErrors = [];
    const page = await openPage('model-test', pageErrors);
    expect(await page.getAttribute('#status', 'data-state')).toBe('ready');
    const metadata = await page.textContent('#metadata');
    expect(metadata).toContain('gpt');
    expect(metadata).toContain(loaded.float32.model.parameterCount().toLocaleString('en-US'));
    expect(metadata).toContain(`${loaded.float32.tokenizer.vocabularySize} characters`);
    expect(metadata).toContain('float32');
    expect(metadata).toMatch(/Backendwasm/);

    const options = { prompt: 'ROMEO:\n', maxNewTokens: 60, temperature: 0, seed: 0 };
    const result = await generateInPage(page, options);
    expect(result.state, result.status).toBe('done');
    expect(result.text).toBe(await nodeReference('float32', options));
    expect(result.text).toHaveLength(60);
    // Streamed token by token, and no tensor left behind by the generation loop.
    expect(result.streamedTokens).toBe(60);
    expect(result.tensorsAfter).toBe(result.tensorsBefore);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('seeded sampling (temperature, top-k) matches Node for float32 and int8 exports', async () => {
    const options = { prompt: 'To be, or not', maxNewTokens: 50, temperature: 0.9, topK: 12, seed: 7 };
    for (const [which, directory, weights] of [
      ['float32', 'model-test', 'float32'],
      ['int8', 'model-int8', 'int8'],
    ]) {
      const pageErrors = [];
      const page = await openPage(directory, pageErrors);
      expect(await page.textContent('#metadata')).toContain(weights);
      const first = await generateInPage(page, options);
      expect(first.state, first.status).toBe('done');
      expect(first.text).toBe(await nodeReference(which, options));
      // Same seed again: the same text (the page's sampling is repeatable).
      const again = await generateInPage(page, options);
      expect(again.text).toBe(first.text);
      expect(again.tensorsAfter).toBe(first.tensorsAfter);
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  });

  it("on tfjs's cpu backend (?backend=cpu) generates what Node generates on cpu", async () => {
    const options = { prompt: 'KING:\n', maxNewTokens: 30, temperature: 0.8, topK: 20, seed: 3 };
    const page = await openPage('model-test', [], '&backend=cpu');
    expect(await page.textContent('#metadata')).toMatch(/Backendcpu/);
    const result = await generateInPage(page, options);
    expect(result.state, result.status).toBe('done');
    await initBackend({ backend: 'cpu' });
    try {
      expect(result.text).toBe(await nodeReference('float32', options));
    } finally {
      await initBackend({ backend: 'wasm' });
    }
    await page.close();
  });

  it('refuses a tampered export with a checksum error that names the file', async () => {
    const page = await openPage('model-tampered', []);
    expect(await page.getAttribute('#status', 'data-state')).toBe('error');
    const status = await page.textContent('#status');
    expect(status).toContain('E_EXPORT_CHECKSUM');
    expect(status).toContain('model.safetensors');
    expect(await page.isDisabled('#generate')).toBe(true);
    await page.close();
  });

  it('says which export URL is missing, and which character a prompt cannot use', async () => {
    const missing = await openPage('no-such-model', []);
    expect(await missing.textContent('#status')).toMatch(/E_EXPORT_FETCH.*no-such-model\/tessera\.json.*404/);
    await missing.close();

    const page = await openPage('model-test', []);
    const result = await generateInPage(page, {
      prompt: 'caf\u00e9 \u{1F600}',
      maxNewTokens: 5,
      temperature: 0,
      seed: 0,
    });
    expect(result.state).toBe('error');
    expect(result.status).toContain('E_TOKENIZER_UNKNOWN');
    // The model stays loaded: a valid prompt still works.
    const retry = await generateInPage(page, { prompt: 'A', maxNewTokens: 5, temperature: 0, seed: 0 });
    expect(retry.state, retry.status).toBe('done');
    await page.close();
  });
});
