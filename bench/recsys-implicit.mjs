// Top-10 ranking on MovieLens 100K as microsoft/recommenders' BPR notebook and benchmark: every
// rating is an implicit interaction, a seeded random 75/25 split of u.data, items the user
// interacted with in training are left out of their list, and precision / recall / nDCG / MAP at
// 10 are averaged over the test users. recommenders' published BPR row (Cornac BPR, 200 factors,
// 100 epochs, lr 0.01, λ 0.001): MAP 0.132, nDCG@10 0.442, P@10 0.388, recall@10 0.212, where
// its "MAP" divides each user's average precision by |relevant| (reported here as
// mapRecommenders beside the usual MAP@10 with min(10, |relevant|)).
// Usage: node bench/recsys-implicit.mjs [--data ../shared/data/ml-100k] [--neural-epochs 8]
//        [--only bpr,als,deepfm,wide-and-deep]
// Prints JSON and writes bench/results/recsys-implicit.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@tessera/core';
import {
  BayesianPersonalizedRanking,
  evaluateTopN,
  ImplicitAlternatingLeastSquares,
  loadMovieLens100k,
  movieLensSideFeatures,
  NeuralRecommender,
  RatingMatrix,
  randomSplitRatings,
  toImplicit,
} from '@tessera/recsys';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const here = dirname(fileURLToPath(import.meta.url));
const directory = argument('data', join(here, '../../shared/data/ml-100k'));
const neuralEpochs = Number(argument('neural-epochs', 8));
const only = argument('only', 'bpr,als,deepfm,wide-and-deep').split(',');
const backend = await initBackend({ backend: argument('backend', 'wasm') });

const reference = { ndcgAtK: 0.442, precisionAtK: 0.388, recallAtK: 0.212, mapRecommenders: 0.132 };
const data = await loadMovieLens100k(directory);
const { train, test } = randomSplitRatings(data.ratings, 0.75, 42);
const matrix = RatingMatrix.fromRatings(toImplicit(train));
const side = movieLensSideFeatures(data);

const neural = (architecture) => () =>
  new NeuralRecommender({
    architecture,
    objective: 'implicit',
    embeddingDimension: 16,
    hiddenSizes: [64, 32],
    dropout: 0.1,
    epochs: neuralEpochs,
    batchSize: 1024,
    learningRate: 0.002,
    negativeSamples: 4,
    seed: 42,
  });
const models = {
  bpr: {
    label: 'BPR (Cornac settings: 200 factors, 100 epochs, lr 0.01, reg 0.001)',
    make: () =>
      new BayesianPersonalizedRanking({
        factors: 200,
        epochs: 100,
        learningRate: 0.01,
        regularization: 0.001,
        seed: 123,
      }),
  },
  als: {
    label: 'implicit ALS (64 factors, 15 epochs, reg 0.1, alpha 10)',
    make: () =>
      new ImplicitAlternatingLeastSquares({ factors: 64, epochs: 15, regularization: 0.1, alpha: 10, seed: 123 }),
  },
  deepfm: {
    label: `DeepFM (16 dims, MLP 64-32, ${neuralEpochs} epochs, 4 negatives, Adam 0.002)`,
    make: neural('deepfm'),
  },
  'wide-and-deep': {
    label: `Wide & Deep (item×gender, item×age crosses; 16 dims, MLP 64-32, ${neuralEpochs} epochs)`,
    make: neural('wide-and-deep'),
  },
};

const started = performance.now();
const results = {};
for (const name of only) {
  const spec = models[name];
  const fitStarted = performance.now();
  const model = spec.make();
  await model.fit(matrix, {
    side,
    onEpochEnd: (report) =>
      console.error(
        `${name} epoch ${report.epoch}: ${report.seconds.toFixed(2)} s, loss ${report.loss?.toFixed(4) ?? '-'}`,
      ),
  });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const metrics = evaluateTopN(model, test, { k: 10 });
  const recommendersMap = evaluateTopN(model, test, { k: 10, averagePrecisionDenominator: 'relevant' }).mapAtK;
  const secondsPerEpoch = model.epochSeconds.reduce((total, value) => total + value, 0) / model.epochSeconds.length;
  results[name] = {
    label: spec.label,
    ndcgAtK: Number(metrics.ndcgAtK.toFixed(4)),
    precisionAtK: Number(metrics.precisionAtK.toFixed(4)),
    recallAtK: Number(metrics.recallAtK.toFixed(4)),
    mapAtK: Number(metrics.mapAtK.toFixed(4)),
    mapRecommenders: Number(recommendersMap.toFixed(4)),
    hitRate: Number(metrics.hitRate.toFixed(4)),
    catalogueCoverage: Number(metrics.catalogueCoverage.toFixed(4)),
    users: metrics.users,
    ratioToRecommendersBpr: {
      ndcgAtK: Number((metrics.ndcgAtK / reference.ndcgAtK).toFixed(3)),
      precisionAtK: Number((metrics.precisionAtK / reference.precisionAtK).toFixed(3)),
    },
    secondsPerEpoch: Number(secondsPerEpoch.toFixed(3)),
    epochs: model.epochSeconds.length,
    fitSeconds: Number(fitSeconds.toFixed(1)),
  };
  model.dispose?.();
  console.error(JSON.stringify({ [name]: results[name] }));
}
const report = {
  benchmark: 'recsys-implicit',
  data: 'MovieLens 100K, all ratings as interactions, random 75/25 split (seed 42), k = 10',
  backend: backend.name,
  node: process.version,
  trainInteractions: matrix.ratingCount,
  testInteractions: test.values.length,
  recommendersBpr: reference,
  wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  models: results,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'recsys-implicit.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
