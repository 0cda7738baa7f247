// Pretrain a character-level GPT on Shakespeare's plays, as nanoGPT's "baby GPT": 4 layers, 4
// heads, 128 dimensions, 64-character context (0.8M parameters), AdamW with warmup and cosine
// decay, gradient clipping. Writes the model where sample.mjs finds it.
// The default 400 steps take ~10 minutes on two cores and give text with the shape of a play
// (validation loss 2.35); `--steps 2000` is nanoGPT's schedule (validation loss 1.91 here, nanoGPT
// reports 1.88: bench/gpt-shakespeare.mjs).
// Usage: node train.mjs [--steps 400] [--batch-size 12] [--evaluation-batches 8] [--out runs/gpt-shakespeare]
//          [--text path/to/corpus.txt]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AdamW,
  clipGradientNorm,
  cosineWithWarmupSchedule,
  createDataLoader,
  createRandomGenerator,
  initBackend,
  iterableDataset,
  saveSafetensors,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { prepareRunDirectory, progress, Trainer } from '@tessera/trainers';
import {
  CharacterTokenizer,
  causalLanguageModelingTask,
  GPT,
  gptConfig,
  languageModelingDataset,
} from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const steps = Number(argument('steps', 400));
const batchSize = Number(argument('batch-size', 12));
const evaluationBatches = Number(argument('evaluation-batches', 8));
const output = resolve(argument('out', 'runs/gpt-shakespeare'));
// The corpus ships with the quickstart example (public domain); any plain-text file works.
const textPath = resolve(argument('text', join(import.meta.dirname, '../quickstart/data/tinyshakespeare.txt')));
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();

const backend = await initBackend();
setGlobalSeed(1337);

// --- Data: every distinct character is a token; first 90% to train on, last 10% held out.
const text = readFileSync(textPath, 'utf8');
const tokenizer = CharacterTokenizer.fromText(text);
const tokens = Int32Array.from(tokenizer.encode(text));
const boundary = Math.floor(tokens.length * 0.9);
const trainTokens = tokens.subarray(0, boundary);
const validationTokens = tokens.subarray(boundary);
const config = gptConfig('nanogpt-baby', { vocabularySize: tokenizer.vocabularySize });
const { blockSize } = config;

// Training batches: random 64-character windows, targets shifted by one (nanoGPT's get_batch).
const random = createRandomGenerator(1337);
const windows = iterableDataset(function* () {
  for (;;) {
    const start = random.nextInt(trainTokens.length - blockSize - 1);
    yield {
      inputIds: trainTokens.slice(start, start + blockSize), // [blockSize]
      targets: trainTokens.slice(start + 1, start + blockSize + 1), // [blockSize]
    };
  }
});
// Validation: evenly spaced held-out windows, a fixed sample so evaluation takes seconds.
const heldOut = languageModelingDataset(validationTokens, blockSize);
const evaluationCount = Math.min(heldOut.length, evaluationBatches * 32);
const validation = createDataLoader(
  iterableDataset(function* () {
    for (let i = 0; i < evaluationCount; i++) yield heldOut.get(Math.floor((i * heldOut.length) / evaluationCount));
  }),
  { batchSize: 32 },
);

const model = new GPT(config);
say(
  `Pretraining a ${(model.parameterCount() / 1e6).toFixed(2)}M-parameter GPT on ${trainTokens.length.toLocaleString('en')} characters, ${steps} steps of ${batchSize}×${blockSize} (${backend.name} backend)`,
);
const run = await prepareRunDirectory({
  directory: output,
  config: { model: config, steps, batchSize, learningRate: 1e-3, backend: backend.name },
  checkpointEverySteps: Math.max(1, Math.floor(steps / 4)),
});
const trainer = new Trainer({
  model,
  task: causalLanguageModelingTask(),
  optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), { learningRate: 1e-3, beta2: 0.99 }),
  schedule: cosineWithWarmupSchedule({ warmupSteps: Math.ceil(steps / 20), totalSteps: steps, minimumFactor: 0.1 }),
  gradientTransforms: [clipGradientNorm(1.0)],
  callbacks: [progress({ everySteps: Math.max(1, Math.floor(steps / 20)), itemName: 'tokens' }), ...run.callbacks],
});
await trainer.fit(createDataLoader(windows, { batchSize }), {
  maxSteps: steps,
  evaluationLoader: validation,
  evaluateEvery: Math.max(1, Math.floor(steps / 4)),
});
const { loss } = await trainer.evaluate(validation);
say(
  `\nValidation loss ${loss.toFixed(3)} (uniform guessing over ${tokenizer.vocabularySize} characters: ${Math.log(tokenizer.vocabularySize).toFixed(2)})`,
);

// --- The model for sample.mjs: weights as safetensors, config and vocabulary as JSON.
await saveSafetensors(join(output, 'model.safetensors'), model.stateDict());
writeFileSync(
  join(output, 'model.json'),
  `${JSON.stringify({ config, tokenizer: tokenizer.toJSON(), steps, validationLoss: loss, seconds: Math.round((performance.now() - began) / 1000) }, null, 2)}\n`,
);
say(`\nDone in ${Math.round((performance.now() - began) / 1000)} s. Outputs in ${output}:`);
say('  model.safetensors, model.json   the trained GPT and its vocabulary (node sample.mjs reads them)');
say('  report/index.html               loss curves; checkpoints/ to resume');
tf.disposeVariables();
