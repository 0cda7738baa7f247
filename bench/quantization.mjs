// Post-training int8 weight quantization on real models: what it saves and what it costs.
//   1. GPT: the quickstart's pretraining stage (nanoGPT's baby GPT on the quickstart's Shakespeare,
//      200 steps of AdamW, lr 2e-3, cosine with warmup, batch 12), exported as float32 and as int8
//      (weight matrices per output channel; embedding tables per row, or kept float32), loaded
//      back, and evaluated on the same held-out windows. The bar: int8 validation loss within 2%
//      of float32.
//   2. MNIST CNN: the model bench/vision-mnist-cnn.mjs trains and saves (run it first, or pass
//      --mnist-steps N to train one here), exported as float32 and int8, test accuracy on all
//      10,000 test digits.
// Weights are dequantized to float32 on load (tfjs has no int8 matmul on any backend), so the
// gain is file size (download, disk), not speed.
// Usage: node bench/quantization.mjs [--gpt-steps 200] [--evaluation-windows 1024] [--mnist-steps 0]
//          [--reuse-gpt-export] (skip training: start from the float32 export of an earlier run)
// Prints JSON and writes bench/results/quantization.json; the exports stay in
// bench/results/exports/ (bench/serve-load.mjs serves the int8 GPT from there).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Adam,
  AdamW,
  clipGradientNorm,
  cosineWithWarmupSchedule,
  createDataLoader,
  createRandomGenerator,
  initBackend,
  iterableDataset,
  setGlobalSeed,
  weightDecayGroups,
} from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
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
import {
  createImageLoader,
  exportImageClassifier,
  imageClassificationTask,
  loadImageClassifier,
  loadImageClassifierExport,
  loadMnist,
  SmallConvNet,
} from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const gptSteps = Number(argument('gpt-steps', 200));
const evaluationWindows = Number(argument('evaluation-windows', 1024));
const mnistSteps = Number(argument('mnist-steps', 0));
const here = dirname(fileURLToPath(import.meta.url));
const exports = join(here, 'results', 'exports');
mkdirSync(exports, { recursive: true });
const say = (text) => process.stderr.write(`${text}\n`);
const began = performance.now();

const backend = await initBackend({ backend: argument('backend', 'wasm') });
setGlobalSeed(1337);

/** Bytes of an export directory's weights file. */
const weightBytes = (directory) => statSync(join(directory, 'model.safetensors')).size;
const relative = (a, b) => Number(((b - a) / a).toFixed(5));

// --- 1. GPT, trained as the quickstart's first stage -----------------------------------------
const text = readFileSync(join(here, '../examples/quickstart/data/tinyshakespeare.txt'), 'utf8');
const tokenizer = CharacterTokenizer.fromText(text);
const tokens = Int32Array.from(tokenizer.encode(text));
const boundary = Math.floor(tokens.length * 0.9);
const train = tokens.subarray(0, boundary);
const validation = tokens.subarray(boundary);
const config = gptConfig('nanogpt-baby', { vocabularySize: tokenizer.vocabularySize });
const { blockSize } = config;
const random = createRandomGenerator(gptSteps);
const windows = iterableDataset(function* () {
  for (;;) {
    const start = random.nextInt(train.length - blockSize - 1);
    yield { inputIds: train.slice(start, start + blockSize), targets: train.slice(start + 1, start + blockSize + 1) };
  }
});
// Evenly spaced held-out windows, the same for every model.
const heldOut = () => {
  const all = languageModelingDataset(validation, blockSize);
  const count = Math.min(all.length, evaluationWindows);
  const stride = all.length / count;
  return createDataLoader(
    iterableDataset(function* () {
      for (let i = 0; i < count; i++) yield all.get(Math.floor(i * stride));
    }),
    { batchSize: 32 },
  );
};
const lossOf = async (model) =>
  (
    await new Trainer({
      model,
      task: causalLanguageModelingTask(),
      optimizer: new AdamW(model.trainableParameters(), { learningRate: 0 }),
    }).evaluate(heldOut())
  ).loss;

// --reuse-gpt-export: start from the float32 export an earlier run wrote (bit-exact weights).
const reuse = join(exports, 'quickstart-gpt-float32');
const reused = process.argv.includes('--reuse-gpt-export') ? await loadTransformerExport(reuse) : undefined;
const model = reused?.model ?? new GPT(config);
const trainedSteps = reused?.manifest.metadata.trainedSteps ?? gptSteps;
let gptTrainingSeconds = 0;
if (reused === undefined) {
  say(`training the quickstart GPT for ${gptSteps} steps on ${backend.name}…`);
  const trainer = new Trainer({
    model,
    task: causalLanguageModelingTask(),
    optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), { learningRate: 2e-3, beta2: 0.99 }),
    schedule: cosineWithWarmupSchedule({
      warmupSteps: Math.ceil(gptSteps / 20),
      totalSteps: gptSteps,
      minimumFactor: 0.1,
    }),
    gradientTransforms: [clipGradientNorm(1.0)],
    callbacks: [progress({ everySteps: Math.max(1, Math.floor(gptSteps / 10)), itemName: 'tokens' })],
  });
  const trainingStarted = performance.now();
  await trainer.fit(createDataLoader(windows, { batchSize: 12 }), { maxSteps: gptSteps });
  gptTrainingSeconds = (performance.now() - trainingStarted) / 1000;
}

const gptVariants = {};
const gptFloatLoss = await lossOf(model);
for (const [name, options] of [
  ['float32', {}],
  ['int8', { quantization: 'int8' }],
  ['int8-float-embeddings', { quantization: 'int8', quantizeEmbeddings: false }],
]) {
  const directory = join(exports, `quickstart-gpt-${name}`);
  const manifest = await exportGpt(directory, model, tokenizer, {
    ...options,
    overwrite: true,
    metadata: { trainedSteps, validationLossFloat32: gptFloatLoss },
  });
  const loaded = await loadTransformerExport(directory);
  const loss = await lossOf(loaded.model);
  const sample = tokenizer.decode(
    await generate(loaded.model, tokenizer.encode('ROMEO:\n'), {
      maxNewTokens: 120,
      temperature: 0.8,
      topK: 40,
      seed: 7,
    }),
  );
  gptVariants[name] = {
    weightBytes: weightBytes(directory),
    quantizedTensors: Object.keys(manifest.quantization?.tensors ?? {}).length,
    validationLoss: Number(loss.toFixed(5)),
    perplexity: Number(Math.exp(loss).toFixed(4)),
    lossChangeVersusFloat: relative(gptFloatLoss, loss),
    sample: `ROMEO:\n${sample}`,
  };
  loaded.model.dispose();
  say(`GPT ${name}: ${gptVariants[name].weightBytes} bytes, validation loss ${loss.toFixed(4)}`);
}

// --- 2. MNIST CNN ----------------------------------------------------------------------------
const test = await loadMnist({ split: 'test' });
const testLoader = createImageLoader(test, { batchSize: 500 });
let cnn;
let cnnDescription;
let cnnSource;
try {
  if (mnistSteps > 0) throw new Error('train one here');
  ({ model: cnn, description: cnnDescription } = await loadImageClassifier(
    join(here, 'results', 'vision-mnist-cnn-model'),
  ));
  cnnSource = 'bench/results/vision-mnist-cnn-model (bench/vision-mnist-cnn.mjs)';
} catch {
  const steps = Math.max(mnistSteps, 300);
  say(`training an MNIST CNN for ${steps} steps…`);
  const cnnConfig = { convolutionChannels: [32, 64], batchNorm: false, hiddenSize: 128, dropout: 0.5 };
  cnn = new SmallConvNet(cnnConfig);
  const train = await loadMnist({ split: 'train' });
  await new Trainer({
    model: cnn,
    task: imageClassificationTask(),
    optimizer: new Adam(cnn.trainableParameters(), { learningRate: 2e-3 }),
  }).fit(createImageLoader(train, { batchSize: 64, shuffle: true, seed: 1 }), { maxSteps: steps });
  cnnDescription = { architecture: 'small-convnet', config: cnnConfig, classNames: [...test.classNames] };
  cnnSource = `trained here for ${steps} steps`;
}
const accuracyOf = async (network) =>
  (
    await new Trainer({
      model: network,
      task: imageClassificationTask(),
      optimizer: new Adam(network.trainableParameters(), { learningRate: 0 }),
    }).evaluate(testLoader)
  ).metrics.accuracy;
const cnnFloatAccuracy = await accuracyOf(cnn);
const cnnVariants = {};
for (const [name, options] of [
  ['float32', {}],
  ['int8', { quantization: 'int8' }],
]) {
  const directory = join(exports, `mnist-cnn-${name}`);
  rmSync(directory, { recursive: true, force: true });
  const manifest = await exportImageClassifier(directory, cnn, cnnDescription, options);
  const loaded = await loadImageClassifierExport(directory);
  const accuracy = await accuracyOf(loaded.model);
  cnnVariants[name] = {
    weightBytes: weightBytes(directory),
    quantizedTensors: Object.keys(manifest.quantization?.tensors ?? {}).length,
    testAccuracy: Number(accuracy.toFixed(5)),
    accuracyChangeVersusFloat: Number((accuracy - cnnFloatAccuracy).toFixed(5)),
  };
  loaded.model.dispose();
  say(`MNIST CNN ${name}: ${cnnVariants[name].weightBytes} bytes, test accuracy ${accuracy.toFixed(4)}`);
}

const report = {
  benchmark: 'quantization',
  date: new Date().toISOString(),
  backend: backend.name,
  scheme: 'int8 symmetric, per output channel (embedding tables per row), float32 scales; dequantized on load',
  gpt: {
    model: `nanogpt-baby, ${model.parameterCount()} parameters, quickstart pretraining (${trainedSteps} steps${reused === undefined ? `, ${Math.round(gptTrainingSeconds)} s` : ', reloaded from its float32 export'})`,
    evaluation: `${evaluationWindows} evenly spaced held-out windows of ${blockSize} tokens (last 10% of the quickstart's Shakespeare)`,
    validationLossInMemory: Number(gptFloatLoss.toFixed(5)),
    variants: gptVariants,
    sizeRatioInt8: Number((gptVariants.int8.weightBytes / gptVariants.float32.weightBytes).toFixed(4)),
    meetsTwoPercentBar: Math.abs(gptVariants.int8.lossChangeVersusFloat) < 0.02,
  },
  mnistCnn: {
    model: `SmallConvNet ${cnn.parameterCount()} parameters, ${cnnSource}`,
    evaluation: 'all 10,000 MNIST test images',
    variants: cnnVariants,
    sizeRatioInt8: Number((cnnVariants.int8.weightBytes / cnnVariants.float32.weightBytes).toFixed(4)),
  },
  wallSeconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(here, 'results', 'quantization.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
cnn.dispose();
model.dispose();
