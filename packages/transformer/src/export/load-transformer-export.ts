import { type ExportLocation, readExportDirectory } from '@tessera/core';
import {
  bertClassifierFromExportContents,
  type LoadedBertClassifierExport,
} from '../models/bert/load-bert-classifier-export.js';
import { gptFromExportContents, type LoadedGptExport } from '../models/gpt/load-gpt-export.js';

export type LoadedTransformerExport = LoadedGptExport | LoadedBertClassifierExport;

/**
 * Loads a GPT or BERT-classifier export from a directory (Node), a URL / base href (browser, or any
 * HTTP server) or an `ExportSource`, verifying every checksum first. int8 weights are dequantized to
 * float32 on load (tfjs has no int8 matmul). Models are returned in eval mode.
 */
export async function loadTransformerExport(location: ExportLocation): Promise<LoadedTransformerExport> {
  const contents = await readExportDirectory(location, { kinds: ['gpt', 'bert-classifier'] });
  return contents.manifest.kind === 'gpt'
    ? gptFromExportContents(contents)
    : bertClassifierFromExportContents(contents);
}
