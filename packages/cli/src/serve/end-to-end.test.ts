import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  createDataLoader,
  createRandomGenerator,
  initBackend,
  iterableDataset,
  readExportManifest,
  setGlobalSeed,
} from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import {
  CharacterTokenizer,
  causalLanguageModelingTask,
  exportGpt,
  GPT,
  generate,
  gptConfig,
  languageModelingDataset,
  loadTransformerExport,
} from '@tessera/transformer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';

/**
 * The "done when", small: a GPT trained the way the quickstart trains it (Trainer + causal
 * LM task on character windows), exported with int8 weights, served, and generating over HTTP.
 */

const text = 'ROMEO: But soft, what light through yonder window breaks?\nJULIET: Ay me!\n'.repeat(20);
let directory: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-serve-e2e-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

it('trains, exports int8, serves, and generates text over HTTP', async () => {
  setGlobalSeed(1337);
  const tokenizer = CharacterTokenizer.fromText(text);
  const tokens = Int32Array.from(tokenizer.encode(text));
  const config = gptConfig('nanogpt-baby', {
    vocabularySize: tokenizer.vocabularySize,
    blockSize: 16,
    layerCount: 2,
    headCount: 2,
    embeddingSize: 48,
  });
  const model = new GPT(config);
  const random = createRandomGenerator(3);
  const windows = iterableDataset(function* () {
    for (;;) {
      const start = random.nextInt(tokens.length - 17);
      yield { inputIds: tokens.slice(start, start + 16), targets: tokens.slice(start + 1, start + 17) };
    }
  });
  const trainer = new Trainer({
    model,
    task: causalLanguageModelingTask(),
    optimizer: new AdamW(model.trainableParameters(), { learningRate: 1e-2 }),
  });
  await trainer.fit(createDataLoader(windows, { batchSize: 8 }), { maxSteps: 40 });
  const validation = createDataLoader(languageModelingDataset(tokens.slice(0, 400), 16), { batchSize: 16 });
  const floatLoss = (await trainer.evaluate(validation)).loss;

  const exportDirectory = join(directory, 'romeo-int8');
  await exportGpt(exportDirectory, model, tokenizer, { quantization: 'int8', metadata: { validationLoss: floatLoss } });
  const manifest = await readExportManifest(exportDirectory);
  expect(manifest.quantization?.scheme).toBe('int8-symmetric-per-channel');

  // The quantized model keeps the float model's validation loss within 2%.
  const loaded = await loadTransformerExport(exportDirectory);
  if (loaded.kind !== 'gpt') throw new Error('expected a GPT export');
  const quantizedLoss = (
    await new Trainer({
      model: loaded.model,
      task: causalLanguageModelingTask(),
      optimizer: new AdamW(loaded.model.trainableParameters(), { learningRate: 0 }),
    }).evaluate(validation)
  ).loss;
  expect(Math.abs(quantizedLoss - floatLoss) / floatLoss).toBeLessThan(0.02);

  const app = await createInferenceServer({ exportDirectory, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const described = (await (await fetch(`${base}/v1/model`)).json()) as { kind: string; metadata: object };
    expect(described).toMatchObject({ kind: 'gpt', metadata: { validationLoss: floatLoss } });
    const response = await fetch(`${base}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'ROMEO:', maxTokens: 40, temperature: 0 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { text: string; tokens: number };
    expect(body.tokens).toBe(40);
    // The server's token loop gives what the library's generate gives the same loaded model.
    const reference = await generate(loaded.model, tokenizer.encode('ROMEO:'), { maxNewTokens: 40, temperature: 0 });
    expect(body.text).toBe(tokenizer.decode(reference));
    expect(body.text).toMatch(/[a-z]/);
  } finally {
    await app.close();
    loaded.model.dispose();
    model.dispose();
  }
});
