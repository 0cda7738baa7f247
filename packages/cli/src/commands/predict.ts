import { type BackendName, type ExportPrediction, initBackend, listExportKinds, TesseraError } from '@tessera/core';
import { loadImageClassifier, predictImageFiles } from '@tessera/vision';
import { Command } from 'commander';
import { isExportLocation, openExport } from '../export-kinds/open-export.js';

interface PredictOptions {
  top?: string;
  backend?: string;
  json?: boolean;
}

/** `--top` as today: anything that is not a positive integer falls back to the default. */
function parseTop(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const top = Number.parseInt(text, 10);
  return Number.isNaN(top) || top === 0 ? undefined : Math.max(1, top);
}

/** Runs the export's kind on the inputs: what its `predict` returns, the model freed afterwards. */
async function predictWithExport(location: string, inputs: string[], top: number | undefined) {
  const { manifest, definition, loaded } = await openExport(location);
  try {
    if (definition.predict === undefined) {
      throw new TesseraError(
        'E_CLI_PREDICT',
        `${location} holds a '${manifest.kind}' export, and ${definition.packageName} gives that kind no predict; serve it with tessera serve`,
      );
    }
    return await definition.predict(loaded, inputs, top === undefined ? {} : { top });
  } finally {
    definition.dispose(loaded);
  }
}

/** A directory written by saveImageClassifier (before exports existed): still accepted. */
async function predictWithSavedImageClassifier(
  directory: string,
  images: string[],
  top = 3,
): Promise<ExportPrediction[]> {
  const { model, description } = await loadImageClassifier(directory);
  try {
    const predictions = await predictImageFiles(model, images, {
      inputShape: model.inputShape,
      classNames: description.classNames,
      ...(description.normalization === undefined ? {} : { normalization: description.normalization }),
    });
    return predictions.map((prediction) => ({
      input: prediction.path,
      summary: prediction.probabilities
        .map((probability, index) => ({ probability, name: description.classNames[index] ?? String(index) }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, top)
        .map(({ name, probability }) => `${name} ${(100 * probability).toFixed(1)}%`)
        .join(', '),
      value: prediction,
    }));
  } finally {
    model.dispose();
  }
}

/** What each registered kind takes, for the help text: `image-classifier: PNG/JPEG files; …`. */
function describeInputs(): string {
  const kinds = listExportKinds().filter((definition) => definition.predict !== undefined);
  return `inputs for the model (${kinds.map((definition) => `${definition.kind}: ${definition.predictInputs ?? 'see its package'}`).join('; ')})`;
}

/** `tessera predict <model> <inputs...>`: what an exported model says about each input. */
export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'run an exported model on inputs (images, user ids, prompts…), or classify images with a model saved by saveImageClassifier',
    )
    .argument(
      '<model>',
      'an export directory (with tessera.json) or URL, or a directory with vision-model.json and model.safetensors (or checkpoints/last)',
    )
    .argument('<inputs...>', describeInputs())
    .option('--top <count>', "classes, items or samples to print per input (default: the kind's; 3 classes per image)")
    .option('--backend <name>', 'backend to run on (default: the best available)')
    .option('--json', 'print every prediction as JSON')
    .action(async (location: string, inputs: string[], options: PredictOptions) => {
      await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendName });
      const top = parseTop(options.top);
      const predictions = (await isExportLocation(location))
        ? await predictWithExport(location, inputs, top)
        : await predictWithSavedImageClassifier(location, inputs, top);
      if (options.json === true) {
        console.log(
          JSON.stringify(
            predictions.map((prediction) => prediction.value),
            null,
            2,
          ),
        );
        return;
      }
      for (const prediction of predictions) console.log(`${prediction.input}: ${prediction.summary}`);
    });
}
