import { type BackendName, initBackend } from '@tessera/core';
import { loadImageClassifier, predictImageFiles } from '@tessera/vision';
import { Command } from 'commander';

/** `tessera predict <model-directory> <image>...`: class probabilities for image files. */
export function predictCommand(): Command {
  return new Command('predict')
    .description('classify PNG/JPEG files with an image classifier saved by saveImageClassifier')
    .argument('<model-directory>', 'a directory with vision-model.json and model.safetensors (or checkpoints/last)')
    .argument('<images...>', 'PNG or JPEG files')
    .option('--top <count>', 'classes to print per image', '3')
    .option('--backend <name>', 'backend to run on (default: the best available)')
    .option('--json', 'print every probability as JSON')
    .action(async (directory: string, images: string[], options: { top: string; backend?: string; json?: boolean }) => {
      await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendName });
      const { model, description } = await loadImageClassifier(directory);
      const predictions = await predictImageFiles(model, images, {
        inputShape: model.inputShape,
        classNames: description.classNames,
        ...(description.normalization === undefined ? {} : { normalization: description.normalization }),
      });
      model.dispose();
      if (options.json === true) {
        console.log(JSON.stringify(predictions, null, 2));
        return;
      }
      const top = Math.max(1, Number.parseInt(options.top, 10) || 3);
      for (const prediction of predictions) {
        const ranked = prediction.probabilities
          .map((probability, index) => ({ probability, name: description.classNames[index] ?? String(index) }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, top);
        console.log(
          `${prediction.path}: ${ranked.map(({ name, probability }) => `${name} ${(100 * probability).toFixed(1)}%`).join(', ')}`,
        );
      }
    });
}
