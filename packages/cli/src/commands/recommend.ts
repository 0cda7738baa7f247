import { initBackend, TesseraError } from '@tessera/core';
import { loadRecommender, loadRecommenderExport, type ScoredItem } from '@tessera/recsys';
import { Command } from 'commander';
import { isExportLocation } from '../export-kinds/open-export.js';

interface RecommendOptions {
  user?: string;
  similarTo?: string;
  k: string;
  includeSeen?: boolean;
  backend?: string;
  json?: boolean;
}

function formatList(title: string, items: ScoredItem[]): string {
  const width = Math.max(4, ...items.map((item) => item.itemId.length));
  return [
    title,
    ...items.map(
      (item, rank) => `${String(rank + 1).padStart(3)}. ${item.itemId.padEnd(width)}  ${item.score.toFixed(4)}`,
    ),
  ].join('\n');
}

export function recommendCommand(): Command {
  return new Command('recommend')
    .description(
      'top-k recommendations for a user (or items similar to an item) from a model saved by saveRecommender or exportRecommender',
    )
    .argument(
      '<model-directory>',
      'a directory written by saveRecommender (config.json, model.safetensors) or an export by exportRecommender (tessera.json)',
    )
    .option('--user <id>', 'the user to recommend for (an id from the training data)')
    .option('--similar-to <id>', 'list the items most similar to this item instead')
    .option('--k <count>', 'how many items', '10')
    .option('--include-seen', 'keep items the user rated in training')
    .option('--backend <name>', 'tfjs backend for neural models (default: the best available)')
    .option('--json', 'print JSON')
    .action(async (modelDirectory: string, options: RecommendOptions) => {
      const k = Number(options.k);
      if (!Number.isInteger(k) || k <= 0)
        throw new TesseraError('E_CLI_USAGE', `--k must be a positive integer, found '${options.k}'`);
      if ((options.user === undefined) === (options.similarTo === undefined)) {
        throw new TesseraError('E_CLI_USAGE', 'pass exactly one of --user <id> and --similar-to <item id>');
      }
      await initBackend(options.backend === undefined ? {} : { backend: options.backend as never });
      const model = (await isExportLocation(modelDirectory))
        ? (await loadRecommenderExport(modelDirectory)).model
        : await loadRecommender(modelDirectory);
      const items =
        options.user !== undefined
          ? model.recommend(options.user, k, { excludeSeen: options.includeSeen !== true })
          : model.similarItems(options.similarTo as string, k);
      if (options.json === true) {
        console.log(JSON.stringify({ model: model.kind, user: options.user, similarTo: options.similarTo, items }));
        return;
      }
      const title =
        options.user !== undefined
          ? `top ${items.length} for user ${options.user} (${model.kind})`
          : `${items.length} items most similar to ${options.similarTo} (${model.kind})`;
      console.log(formatList(title, items));
    });
}
