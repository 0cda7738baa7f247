import { type BackendInfo, type BackendName, initBackend } from '@tessera/core';
import { Command } from 'commander';

/** Formats the backend report: the active backend, why, and every alternative with how to get it. */
export function formatBackendReport(info: BackendInfo): string {
  const lines = [`active: ${info.name} (${info.device}) — ${info.reason}`];
  if (info.filledKernels.length > 0) lines.push(`filled kernels: ${info.filledKernels.join(', ')}`);
  if (info.overriddenKernels.length > 0) lines.push(`overridden kernels: ${info.overriddenKernels.join(', ')}`);
  lines.push('backends, most preferred first:');
  for (const candidate of info.candidates) {
    const mark = candidate.name === info.name ? '*' : candidate.available ? '+' : '-';
    lines.push(`  ${mark} ${candidate.name.padEnd(15)} ${candidate.detail}`);
  }
  lines.push('choose with --backend NAME or TESSERA_BACKEND=NAME');
  return lines.join('\n');
}

export function backendCommand(): Command {
  return new Command('backend')
    .description('show the active backend, why it was chosen, and what else could be used (and how)')
    .option('--backend <name>', 'activate this backend instead of the best available one')
    .option('--json', 'print the report as JSON')
    .action(async (options: { backend?: string; json?: boolean }) => {
      const info = await initBackend(options.backend === undefined ? {} : { backend: options.backend as BackendName });
      console.log(options.json === true ? JSON.stringify(info, null, 2) : formatBackendReport(info));
    });
}
