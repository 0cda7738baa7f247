// Character-level GPT pretraining on tinyshakespeare, nanoGPT's setup for its "baby GPT":
// nanogpt-baby (4 layers, 4 heads, 128 dims, block 64), batch 12, AdamW lr 1e-3 with 100 warmup
// steps and cosine decay to 1e-4, weight decay 0.1, betas 0.9/0.99, gradient clipping 1.0, no
// dropout; batches of random windows drawn with replacement, as nanoGPT's get_batch.
// nanoGPT reports a validation loss of 1.88 after 2,000 iterations; on PyTorch 1.13 CPU here
// it reached 1.886 in 405 s.
// Usage: node bench/gpt-shakespeare.mjs [--iterations 2000] [--backend wasm] [--seed 1337]
// Prints JSON (and writes bench/results/gpt-shakespeare.json): ms per step, tokens per second,
// the validation loss over the whole validation split, the spread of nanoGPT's 20-batch
// estimate of it (--estimate-draws), wall time, and a sample.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdamW,
  clipGradientNorm,
  cosineWithWarmupSchedule,
  createDataLoader,
  createRandomGenerator,
  datasetFromArray,
  initBackend,
  iterableDataset,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
import {
  CharacterTokenizer,
  causalLanguageModelingTask,
  GPT,
  generate,
  gptConfig,
  languageModelingDataset,
} from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const iterations = Number(argument('iterations', 2000));
const seed = Number(argument('seed', 1337));
const here = dirname(fileURLToPath(import.meta.url));

const backend = await initBackend({ backend: argument('backend', 'wasm') });
setGlobalSeed(seed);
const text = readFileSync(join(here, '../../shared/data/tinyshakespeare/input.txt'), 'utf8');
const tokenizer = CharacterTokenizer.fromText(text);
const tokens = Int32Array.from(tokenizer.encode(text));
const split = Math.floor(tokens.length * 0.9); // nanoGPT: first 90% train, last 10% validation
const train = tokens.subarray(0, split);
const validation = tokens.subarray(split);

const config = gptConfig('nanogpt-baby', { vocabularySize: tokenizer.vocabularySize });
const blockSize = config.blockSize;
const random = createRandomGenerator(seed);
const windows = iterableDataset(function* () {
  for (;;) {
    const start = random.nextInt(train.length - blockSize - 1);
    yield { inputIds: train.slice(start, start + blockSize), targets: train.slice(start + 1, start + blockSize + 1) };
  }
});

const model = new GPT(config);
const trainer = new Trainer({
  model,
  task: causalLanguageModelingTask(),
  optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), { learningRate: 1e-3, beta2: 0.99 }),
  schedule: cosineWithWarmupSchedule({ warmupSteps: 100, totalSteps: 2000, minimumFactor: 0.1 }),
  gradientTransforms: [clipGradientNorm(1.0)],
  callbacks: [progress({ everySteps: Math.max(1, Math.floor(iterations / 20)), itemName: 'tokens' })],
});
const started = performance.now();
await trainer.fit(createDataLoader(windows, { batchSize: 12 }), { maxSteps: iterations });
const trainingSeconds = (performance.now() - started) / 1000;
const evaluation = await trainer.evaluate(
  createDataLoader(languageModelingDataset(validation, blockSize), { batchSize: 64 }),
);
// nanoGPT's own figure is estimate_loss(): the mean over 20 random batches of 12 windows (240
// windows). Draw that estimate repeatedly to show how far one draw strays from the whole split.
const estimateDraws = Number(argument('estimate-draws', 40));
const estimateRandom = createRandomGenerator(seed + 1);
const estimates = [];
for (let draw = 0; draw < estimateDraws; draw++) {
  const drawWindows = Array.from({ length: 240 }, () => {
    const start = estimateRandom.nextInt(validation.length - blockSize - 1);
    return {
      inputIds: validation.slice(start, start + blockSize),
      targets: validation.slice(start + 1, start + blockSize + 1),
    };
  });
  const drawEvaluation = await trainer.evaluate(createDataLoader(datasetFromArray(drawWindows), { batchSize: 60 }));
  estimates.push(drawEvaluation.loss);
}
const estimateMean = estimates.reduce((sum, value) => sum + value, 0) / Math.max(1, estimates.length);
const estimateDeviation = Math.sqrt(
  estimates.reduce((sum, value) => sum + (value - estimateMean) ** 2, 0) / Math.max(1, estimates.length - 1),
);
const sample = tokenizer.decode(
  await generate(model, tokenizer.encode('\n'), { maxNewTokens: 200, temperature: 0.8, topK: 200, seed: 1 }),
);

const report = {
  benchmark: 'gpt-shakespeare',
  date: new Date().toISOString(),
  backend: backend.name,
  iterations,
  seed,
  parameters: model.parameterCount(),
  millisecondsPerStep: Math.round((trainingSeconds * 1000) / iterations),
  tokensPerSecond: Math.round((iterations * 12 * blockSize) / trainingSeconds),
  trainingSeconds: Math.round(trainingSeconds),
  validationLoss: Number(evaluation.loss.toFixed(4)),
  nanoGPTEstimate: {
    draws: estimates.length,
    mean: Number(estimateMean.toFixed(4)),
    standardDeviation: Number(estimateDeviation.toFixed(4)),
    minimum: Number(Math.min(...estimates).toFixed(4)),
    maximum: Number(Math.max(...estimates).toFixed(4)),
  },
  reference: { nanoGPTValidationLoss: 1.88, pytorchCpuHereValidationLoss: 1.886, pytorchCpuHereSeconds: 405 },
  sample,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', seed === 1337 ? 'gpt-shakespeare.json' : `gpt-shakespeare-seed-${seed}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log(JSON.stringify(report, null, 2));
tf.disposeVariables();
