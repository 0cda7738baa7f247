import { type ExportKind, registerExportKind } from '@tessera/core';
import { classifyRoute, rankLabels } from './classify-route.js';
import {
  classifyTexts,
  type LoadedBertClassifierExport,
  loadBertClassifierExport,
} from './load-bert-classifier-export.js';

/**
 * The `bert-classifier` export kind (written by `exportBertClassifier`): `tessera serve` answers
 * `POST /v1/classify` with `{texts}`, `tessera predict` prints each text's most likely labels.
 */
export const bertClassifierExportKind: ExportKind<LoadedBertClassifierExport> = {
  kind: 'bert-classifier',
  packageName: '@tessera/transformer',
  description: 'BERT text classifier: labels with probabilities for each text',
  predictInputs: 'texts',
  load: loadBertClassifierExport,
  describe: (loaded) => ({ ...loaded.model.bert.config, labels: loaded.labels, maxLength: loaded.maxLength }),
  dispose: (loaded) => loaded.model.dispose(),
  async predict(loaded, inputs, options) {
    if (inputs.length === 0) return [];
    const count = options.top ?? loaded.labels.length;
    return classifyTexts(loaded, inputs).map((row, index) => {
      const ranked = rankLabels(row, loaded.labels, count);
      return {
        input: inputs[index] as string,
        summary: ranked.map(({ label, probability }) => `${label} ${(100 * probability).toFixed(1)}%`).join(', '),
        value: ranked,
      };
    });
  },
  routes: [classifyRoute],
};

registerExportKind(bertClassifierExportKind);
