import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BackendName, initBackend, readSafetensorsHeader, type SafetensorsHeader } from '@tessera/core';
import { Command } from 'commander';
import { describeExport, formatExportDescription } from '../export-kinds/describe-export.js';
import { isExportLocation } from '../export-kinds/open-export.js';

/** A safetensors file, a checkpoint directory (its model.safetensors) or a run directory (its last checkpoint). */
async function resolveWeightsFile(path: string): Promise<string> {
  const isDirectory = await stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) return path;
  const candidates = [join(path, 'model.safetensors'), join(path, 'checkpoints', 'last', 'model.safetensors')];
  for (const candidate of candidates) {
    if (
      await stat(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return candidates[0] as string;
}

export function formatHeader(file: string, header: SafetensorsHeader): string {
  const count = header.tensors.reduce((total, tensor) => total + tensor.shape.reduce((a, b) => a * b, 1), 0);
  const width = Math.max(4, ...header.tensors.map((tensor) => tensor.name.length));
  const lines = [
    `${file}: ${header.tensors.length} tensors, ${count.toLocaleString('en-US')} parameters`,
    ...header.tensors.map(
      (tensor) => `  ${tensor.name.padEnd(width)}  ${tensor.dtype.padEnd(4)}  [${tensor.shape.join(', ')}]`,
    ),
  ];
  if (Object.keys(header.metadata).length > 0) lines.push(`metadata: ${JSON.stringify(header.metadata)}`);
  return lines.join('\n');
}

export function infoCommand(): Command {
  return new Command('info')
    .description(
      'list the tensors in a checkpoint (names, dtypes, shapes, parameter count); for an export, first its kind, producer and architecture',
    )
    .argument('<path>', 'a .safetensors file, a checkpoint directory, a run directory, or an export directory or URL')
    .option('--json', 'print the header (and, for an export, what it says of itself) as JSON')
    .option('--backend <name>', 'backend to load an export on (default: the best available)')
    .action(async (path: string, options: { json?: boolean; backend?: string }) => {
      const isExport = await isExportLocation(path);
      // An export's architecture comes from its kind's `describe`, which needs the model loaded.
      if (isExport) await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendName });
      const described = isExport ? await describeExport(path) : undefined;
      const file = /^https?:\/\//i.test(path) ? undefined : await resolveWeightsFile(path);
      const header = file === undefined ? undefined : await readSafetensorsHeader(file);
      if (options.json === true) {
        const json = {
          ...(file === undefined ? {} : { file, ...header }),
          ...(described === undefined ? {} : { export: described }),
        };
        console.log(JSON.stringify(json, null, 2));
        return;
      }
      const sections = [
        ...(described === undefined ? [] : [formatExportDescription(path, described)]),
        ...(file === undefined || header === undefined ? [] : [formatHeader(file, header)]),
      ];
      console.log(sections.join('\n'));
    });
}
