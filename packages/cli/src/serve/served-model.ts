import { type ExportLocation, readExportManifest, TesseraError } from '@tessera/core';
import { type LoadedRecommenderExport, loadRecommenderExport } from '@tessera/recsys';
import { type LoadedTransformerExport, loadTransformerExport } from '@tessera/transformer';
import { type LoadedImageClassifierExport, loadImageClassifierExport } from '@tessera/vision';

/** Whatever model an export holds, loaded and ready to serve. */
export type ServedModel = LoadedTransformerExport | LoadedImageClassifierExport | LoadedRecommenderExport;

/** The export kinds `tessera serve` can serve, and the endpoint each answers on. */
export const SERVED_KINDS: Record<ServedModel['kind'], string> = {
  gpt: 'POST /v1/generate',
  'bert-classifier': 'POST /v1/classify',
  'image-classifier': 'POST /v1/classify',
  recommender: 'POST /v1/recommend',
};

/** Reads the manifest, then the model with the loader of the package that wrote it. */
export async function loadServedModel(location: ExportLocation): Promise<ServedModel> {
  const { kind } = await readExportManifest(location);
  switch (kind) {
    case 'gpt':
    case 'bert-classifier':
      return loadTransformerExport(location);
    case 'image-classifier':
      return loadImageClassifierExport(location);
    case 'recommender':
      return loadRecommenderExport(location);
    default:
      throw new TesseraError(
        'E_SERVER_MODEL_KIND',
        `cannot serve a '${kind}' export; tessera serve handles ${Object.keys(SERVED_KINDS).join(', ')}`,
      );
  }
}

/** What GET /v1/model shows of the architecture. */
export function describeServedModel(served: ServedModel): Record<string, unknown> {
  switch (served.kind) {
    case 'gpt':
      return { ...served.model.config };
    case 'bert-classifier':
      return { ...served.model.bert.config, labels: served.labels, maxLength: served.maxLength };
    case 'image-classifier':
      return { architecture: served.description.architecture, ...served.preprocessing };
    case 'recommender':
      return {
        recommender: served.model.kind,
        users: served.model.matrix.userCount,
        items: served.model.matrix.itemCount,
        ...served.model.config(),
      };
  }
}

/** Frees the model's tensors (recommenders hold plain arrays). */
export function disposeServedModel(served: ServedModel): void {
  if (served.kind !== 'recommender') served.model.dispose();
}
