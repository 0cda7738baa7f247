// Tessera's quickstart: develop a small GPT from scratch, then fine-tune it, in a few minutes on
// two cores: on the embedded default backend (WebAssembly), or on the best one installed
// (`@tessera/backend-torch` with LibTorch; choose with TESSERA_BACKEND=wasm|torch|cpu).
//   1. pretrain a character-level GPT (nanoGPT's "baby GPT" shapes) on Shakespeare's plays;
//   2. sample from it and evaluate it on held-out Shakespeare;
//   3. fine-tune it on the first chapters of Moby-Dick at a lower learning rate;
//   4. evaluate both models on both held-out texts and sample again;
//   5. export the fine-tuned model for deployment (float32, and int8-quantized) — serve it with
//      `npx tessera serve <export>` or load it in a browser page (examples/browser-generate).
// Each stage leaves a run directory (config, metrics.jsonl, checkpoints, report/index.html).
// Usage: node examples/quickstart/quickstart.mjs [--pretrain-steps 200] [--fine-tune-steps 60]
//          [--evaluation-batches 8] [--out runs/quickstart]
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdamW,
  clipGradientNorm,
  cosineWithWarmupSchedule,
  createDataLoader,
  createRandomGenerator,
  initBackend,
  iterableDataset,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { prepareRunDirectory, progress, Trainer } from '@tessera/trainers';
import {
  CharacterTokenizer,
  causalLanguageModelingTask,
  exportGpt,
  GPT,
  generate,
  gptConfig,
  languageModelingDataset,
} from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const pretrainSteps = Number(argument('pretrain-steps', 200));
const fineTuneSteps = Number(argument('fine-tune-steps', 60));
const evaluationBatches = Number(argument('evaluation-batches', 8));
const here = dirname(fileURLToPath(import.meta.url));
const output = resolve(argument('out', 'runs/quickstart'));
const began = performance.now();
const say = (text) => process.stdout.write(`${text}\n`);
const elapsed = () => `${Math.round((performance.now() - began) / 1000)} s`;

const backend = await initBackend();
say(`Tessera quickstart on the ${backend.name} backend (${backend.reason})`);
setGlobalSeed(1337);

// --- Data: characters as tokens; the vocabulary is Shakespeare's. Moby-Dick is mapped onto it,
// as one fine-tunes with the pretrained model's fixed vocabulary.
const shakespeare = readFileSync(join(here, 'data/tinyshakespeare.txt'), 'utf8');
const tokenizer = CharacterTokenizer.fromText(shakespeare);
const known = new Set(tokenizer.characters);
const toVocabulary = (text) =>
  Array.from(text.replace(/—/g, ' - ').replace(/"/g, "'"), (character) => (known.has(character) ? character : ''))
    .join('')
    .replace(/ {2,}/g, ' ');
const mobyDick = toVocabulary(readFileSync(join(here, 'data/moby-dick-chapters-1-20.txt'), 'utf8'));
const splitTokens = (text) => {
  const tokens = Int32Array.from(tokenizer.encode(text));
  const boundary = Math.floor(tokens.length * 0.9); // first 90% to train on, last 10% held out
  return { train: tokens.subarray(0, boundary), validation: tokens.subarray(boundary) };
};
const corpora = { shakespeare: splitTokens(shakespeare), mobyDick: splitTokens(mobyDick) };

const config = gptConfig('nanogpt-baby', { vocabularySize: tokenizer.vocabularySize });
const { blockSize } = config;
const randomWindows = (tokens, seed) => {
  const random = createRandomGenerator(seed);
  return iterableDataset(function* () {
    for (;;) {
      const start = random.nextInt(tokens.length - blockSize - 1);
      yield {
        inputIds: tokens.slice(start, start + blockSize),
        targets: tokens.slice(start + 1, start + blockSize + 1),
      };
    }
  });
};
// A fixed, evenly spaced sample of held-out windows keeps evaluation to a few seconds.
const heldOut = (tokens) => {
  const windows = languageModelingDataset(tokens, blockSize);
  const count = Math.min(windows.length, evaluationBatches * 32);
  const stride = windows.length / count;
  return createDataLoader(
    iterableDataset(function* () {
      for (let i = 0; i < count; i++) yield windows.get(Math.floor(i * stride));
    }),
    { batchSize: 32 },
  );
};
const evaluate = async (trainer) => ({
  shakespeare: Number((await trainer.evaluate(heldOut(corpora.shakespeare.validation))).loss.toFixed(3)),
  mobyDick: Number((await trainer.evaluate(heldOut(corpora.mobyDick.validation))).loss.toFixed(3)),
});
const sample = async (model, prompt) => {
  const ids = await generate(model, tokenizer.encode(prompt), {
    maxNewTokens: 240,
    temperature: 0.8,
    topK: 40,
    seed: 7,
  });
  return prompt + tokenizer.decode(ids);
};

async function trainStage(name, { model, corpus, steps, learningRate, warmupSteps }) {
  const run = await prepareRunDirectory({
    directory: join(output, name),
    config: { stage: name, model: config, steps, batchSize: 12, learningRate, backend: backend.name },
    checkpointEverySteps: Math.max(1, Math.floor(steps / 2)),
  });
  const trainer = new Trainer({
    model,
    task: causalLanguageModelingTask(),
    optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), { learningRate, beta2: 0.99 }),
    schedule: cosineWithWarmupSchedule({ warmupSteps, totalSteps: steps, minimumFactor: 0.1 }),
    gradientTransforms: [clipGradientNorm(1.0)],
    callbacks: [progress({ everySteps: Math.max(1, Math.floor(steps / 10)), itemName: 'tokens' }), ...run.callbacks],
  });
  await trainer.fit(createDataLoader(randomWindows(corpus.train, steps), { batchSize: 12 }), {
    maxSteps: steps,
    evaluationLoader: heldOut(corpus.validation),
    evaluateEvery: Math.max(1, Math.floor(steps / 2)),
  });
  return { trainer, run };
}

const model = new GPT(config);
say(
  `\n1/4 Pretraining a ${(model.parameterCount() / 1e6).toFixed(2)}M-parameter GPT on Shakespeare (${pretrainSteps} steps)…`,
);
const pretraining = await trainStage('pretrain', {
  model,
  corpus: corpora.shakespeare,
  steps: pretrainSteps,
  learningRate: 2e-3,
  warmupSteps: Math.ceil(pretrainSteps / 20),
});
const pretrainedLosses = await evaluate(pretraining.trainer);
const pretrainedSample = await sample(model, 'ROMEO:\n');
say(
  `\n2/4 After pretraining (${elapsed()}): held-out loss Shakespeare ${pretrainedLosses.shakespeare}, Moby-Dick ${pretrainedLosses.mobyDick}`,
);
say(`--- sample ---\n${pretrainedSample}\n--------------`);

say(`\n3/4 Fine-tuning on Moby-Dick, chapters 1–20 (${fineTuneSteps} steps)…`);
const fineTuning = await trainStage('fine-tune', {
  model,
  corpus: corpora.mobyDick,
  steps: fineTuneSteps,
  learningRate: 5e-4,
  warmupSteps: Math.ceil(fineTuneSteps / 10),
});
const fineTunedLosses = await evaluate(fineTuning.trainer);
const fineTunedSample = await sample(model, 'Call me ');
say(
  `\n4/4 After fine-tuning (${elapsed()}): held-out loss Shakespeare ${fineTunedLosses.shakespeare}, Moby-Dick ${fineTunedLosses.mobyDick}`,
);
say(`--- sample ---\n${fineTunedSample}\n--------------`);

// A self-contained export: weights (safetensors), config, tokenizer, and a manifest with checksums.
const exportDirectory = join(output, 'export');
const quantizedDirectory = join(output, 'export-int8');
const metadata = { source: 'examples/quickstart', heldOutLoss: fineTunedLosses };
await exportGpt(exportDirectory, model, tokenizer, { metadata, overwrite: true });
await exportGpt(quantizedDirectory, model, tokenizer, { quantization: 'int8', metadata, overwrite: true });
const weightBytes = (directory) => statSync(join(directory, 'model.safetensors')).size;
say(
  `\nExported the fine-tuned model (${elapsed()}): float32 weights ${(weightBytes(exportDirectory) / 1e6).toFixed(2)} MB, int8 ${(weightBytes(quantizedDirectory) / 1e6).toFixed(2)} MB`,
);

const summary = {
  backend: backend.name,
  seconds: Math.round((performance.now() - began) / 1000),
  parameters: model.parameterCount(),
  pretraining: { steps: pretrainSteps, heldOutLoss: pretrainedLosses, sample: pretrainedSample },
  fineTuning: { steps: fineTuneSteps, heldOutLoss: fineTunedLosses, sample: fineTunedSample },
  exports: { float32: exportDirectory, int8: quantizedDirectory },
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
const show = (path) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
say(`\nDone in ${elapsed()}. Outputs:`);
say(`  ${show(join(output, 'summary.json'))}  losses and samples`);
for (const stage of [pretraining.run, fineTuning.run]) {
  say(`  ${show(join(stage.directory, 'report/index.html'))}  report (loss curves, config)`);
  say(`  ${show(stage.checkpointsDirectory)}/  checkpoints (safetensors; resume or fine-tune from last/)`);
}
say(`  ${show(exportDirectory)}/  export (serve: npx tessera serve ${show(exportDirectory)})`);
say(`  ${show(quantizedDirectory)}/  int8-quantized export, ~4x smaller`);
tf.disposeVariables();
