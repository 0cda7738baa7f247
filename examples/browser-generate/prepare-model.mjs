// Writes the export the page loads (public/model/): either trains a tiny character-level GPT here
// in Node on a public-domain text, or takes an export you already have (e.g. from exportGpt).
// Usage: node prepare-model.mjs [--steps 300] [--text path/to/corpus.txt] [--seed 1337]
//          [--export path/to/export-directory] [--quantize int8] [--out public/model] [--if-missing]

import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AdamW,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  EXPORT_MANIFEST_FILE,
  initBackend,
  readExportManifest,
  setGlobalSeed,
  TesseraError,
  tf,
} from '@tessera/core';
import { CharacterTokenizer, exportGpt, GPT, gptConfig, loadTransformerExport } from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const out = resolve(argument('out', join(import.meta.dirname, 'public/model')));
const source = argument('export', undefined);
const quantization = argument('quantize', undefined);
const steps = Number(argument('steps', 300));
const seed = Number(argument('seed', 1337));
// The corpus ships with the quickstart example (public domain); any plain-text file works.
const textPath = resolve(argument('text', join(import.meta.dirname, '../quickstart/data/tinyshakespeare.txt')));
const say = (text) => process.stdout.write(`${text}\n`);

if (quantization !== undefined && quantization !== 'int8') {
  throw new TesseraError('E_EXAMPLE_OPTION', `--quantize takes 'int8', got '${quantization}'`);
}
if (!(Number.isInteger(steps) && steps >= 0)) {
  throw new TesseraError('E_EXAMPLE_OPTION', `--steps takes an integer ≥ 0, got '${argument('steps')}'`);
}
if (flag('if-missing') && existsSync(join(out, EXPORT_MANIFEST_FILE))) {
  say(`${out} already holds an export; delete it or run without --if-missing to replace it`);
  process.exit(0);
}

await initBackend({ backend: 'wasm' });

if (source !== undefined) {
  // An existing export: load it (every checksum verified), then copy it as is, or re-export as int8.
  const loaded = await loadTransformerExport(resolve(source));
  if (loaded.kind !== 'gpt') {
    throw new TesseraError(
      'E_EXAMPLE_EXPORT',
      `${source} holds a '${loaded.kind}' export; this page generates with GPTs`,
    );
  }
  if (quantization === undefined) {
    const manifest = await readExportManifest(resolve(source));
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    for (const name of [EXPORT_MANIFEST_FILE, ...manifest.files.map((file) => file.path)]) {
      await cp(join(resolve(source), name), join(out, name));
    }
  } else {
    await exportGpt(out, loaded.model, loaded.tokenizer, {
      quantization,
      metadata: { ...loaded.manifest.metadata, reexportedFrom: resolve(source) },
      overwrite: true,
    });
  }
  loaded.model.dispose();
  say(`Copied the GPT export at ${source} to ${out}${quantization ? ' (int8)' : ''}`);
  process.exit(0);
}

// A tiny GPT (2 layers, 64 dimensions, 32-character context, ~0.1M parameters): a few hundred
// AdamW steps on random windows take seconds to a minute and give text with word-like shapes.
setGlobalSeed(seed);
const text = await readFile(textPath, 'utf8');
const tokenizer = CharacterTokenizer.fromText(text);
const tokens = Int32Array.from(tokenizer.encode(text));
const config = gptConfig('nanogpt-baby', {
  vocabularySize: tokenizer.vocabularySize,
  blockSize: 32,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 64,
});
const model = new GPT(config);
const optimizer = new AdamW(model.namedParameters(), { learningRate: 3e-3, weightDecay: 0.1 });
const random = createRandomGenerator(seed);
const batchSize = 16;
const { blockSize } = config;
say(`Training a ${(model.parameterCount() / 1e6).toFixed(2)}M-parameter GPT on ${textPath} for ${steps} steps`);
const began = performance.now();
let lastLoss = Number.NaN;
for (let step = 1; step <= steps; step++) {
  const inputs = new Int32Array(batchSize * blockSize);
  const targets = new Int32Array(batchSize * blockSize);
  for (let row = 0; row < batchSize; row++) {
    const start = random.nextInt(tokens.length - blockSize - 1);
    inputs.set(tokens.subarray(start, start + blockSize), row * blockSize);
    targets.set(tokens.subarray(start + 1, start + blockSize + 1), row * blockSize);
  }
  const inputIds = tf.tensor2d(inputs, [batchSize, blockSize], 'int32'); // [batch, time]
  const targetIds = tf.tensor2d(targets, [batchSize, blockSize], 'int32'); // [batch, time]
  const { loss, gradients } = computeGradients(model.namedParameters(), () =>
    crossEntropy(model.forward(inputIds), targetIds),
  );
  optimizer.step(gradients);
  if (step % 50 === 0 || step === steps) {
    lastLoss = loss.dataSync()[0];
    say(`step ${step}/${steps}  loss ${lastLoss.toFixed(3)}  ${((performance.now() - began) / 1000).toFixed(1)}s`);
  }
  tf.dispose([inputIds, targetIds, loss, ...Object.values(gradients)]);
}

await exportGpt(out, model, tokenizer, {
  quantization,
  metadata: { trainedOn: textPath.split(/[\\/]/).pop(), steps, seed, trainingLoss: Number(lastLoss.toFixed(4)) },
  overwrite: true,
});
say(`Exported to ${out}${quantization ? ' (int8)' : ''}`);
