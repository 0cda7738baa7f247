import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensorsHeader, type SafetensorsHeader } from '@tessera/core';
import { Command } from 'commander';

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
    .description('list the tensors in a checkpoint: names, dtypes, shapes and the parameter count')
    .argument('<path>', 'a .safetensors file, a checkpoint directory or a run directory')
    .option('--json', 'print the header as JSON')
    .action(async (path: string, options: { json?: boolean }) => {
      const file = await resolveWeightsFile(path);
      const header = await readSafetensorsHeader(file);
      console.log(options.json === true ? JSON.stringify({ file, ...header }, null, 2) : formatHeader(file, header));
    });
}
