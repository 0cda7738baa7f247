import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextFileAtomically } from '@tessera/core';
import type { Callback } from './callback.js';
import { checkpointing } from './callbacks/checkpointing.js';
import { metricsLog } from './callbacks/metrics-log.js';
import { writeRunReport } from './report.js';

export interface RunDirectoryOptions {
  /** The run's directory (created if missing). */
  directory: string;
  /** The resolved configuration, saved as config.json (omit when resuming: it is already there). */
  config?: unknown;
  /** Checkpoint every this many steps (default: each epoch's end). */
  checkpointEverySteps?: number;
  /** Numbered checkpoints to keep (default 3). */
  keepLast?: number;
  /** Keep `checkpoints/best` by this evaluation value. */
  monitor?: string;
  mode?: 'min' | 'max';
}

export interface RunDirectory {
  directory: string;
  metricsPath: string;
  checkpointsDirectory: string;
  /** Where training resumes from after an interruption. */
  lastCheckpoint: string;
  /** metrics.jsonl, checkpoints/ and, at the end of training, report/. */
  callbacks: Callback[];
}

/**
 * A directory per run:
 *   config.json        the resolved configuration
 *   metrics.jsonl      one line per step and per evaluation
 *   checkpoints/       step-NNNNNNNN/, last/, best/ (safetensors + trainer.json)
 *   report/            loss and metric curves as SVG, and index.html with them and the final values
 */
export async function prepareRunDirectory(options: RunDirectoryOptions): Promise<RunDirectory> {
  const { directory } = options;
  await mkdir(directory, { recursive: true });
  if (options.config !== undefined) {
    await writeTextFileAtomically(join(directory, 'config.json'), `${JSON.stringify(options.config, null, 2)}\n`);
  }
  const metricsPath = join(directory, 'metrics.jsonl');
  const checkpointsDirectory = join(directory, 'checkpoints');
  const report: Callback = {
    async onTrainEnd() {
      await writeRunReport(directory);
    },
  };
  return {
    directory,
    metricsPath,
    checkpointsDirectory,
    lastCheckpoint: join(checkpointsDirectory, 'last'),
    callbacks: [
      metricsLog(metricsPath),
      checkpointing({
        directory: checkpointsDirectory,
        ...(options.checkpointEverySteps === undefined ? {} : { everySteps: options.checkpointEverySteps }),
        ...(options.keepLast === undefined ? {} : { keepLast: options.keepLast }),
        ...(options.monitor === undefined ? {} : { monitor: options.monitor }),
        ...(options.mode === undefined ? {} : { mode: options.mode }),
      }),
      report,
    ],
  };
}
