import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Callback } from '../callback.js';
import { removeStaleTemporaries } from '../checkpoint-files.js';
import { improves, monitoredValue } from './monitor.js';

export interface CheckpointingOptions {
  /** Directory that receives `step-NNNNNNNN/`, `last/` and `best/`. */
  directory: string;
  /** Save every this many optimizer steps (default: only at the end of each epoch and of training). */
  everySteps?: number;
  /** Numbered checkpoints to keep, newest first (default 3); `last` and `best` are extra. */
  keepLast?: number;
  /** Keep a `best/` copy by this evaluation value ('loss' or a metric name). */
  monitor?: string;
  mode?: 'min' | 'max';
}

/**
 * Writes resumable checkpoints (see Trainer.saveCheckpoint): numbered ones every N steps, `last/`
 * whenever one is written, and `best/` after each evaluation that improves the monitored value.
 * When training starts (or resumes), what saves killed midway left in the directory is removed:
 * `.last.tmp-*`, `.step-*.tmp-*` and previous copies no longer needed (see `checkpoint-files.ts`).
 */
export function checkpointing(options: CheckpointingOptions): Callback {
  const keepLast = options.keepLast ?? 3;
  const mode = options.mode ?? 'min';
  let best: number | undefined;
  const numbered = (step: number) => join(options.directory, `step-${String(step).padStart(8, '0')}`);

  const prune = async () => {
    const entries = (await readdir(options.directory).catch(() => [] as string[]))
      .filter((name) => /^step-\d{8}$/.test(name))
      .sort();
    for (const stale of entries.slice(0, Math.max(0, entries.length - keepLast))) {
      await rm(join(options.directory, stale), { recursive: true, force: true });
    }
  };

  return {
    async onTrainBegin(trainer) {
      best = (trainer.extraState.checkpointing as { best?: number } | undefined)?.best;
      await removeStaleTemporaries(options.directory);
    },
    async onStepEnd(logs, trainer) {
      if (options.everySteps === undefined || logs.step % options.everySteps !== 0) return;
      await trainer.saveCheckpoint(numbered(logs.step));
      await trainer.saveCheckpoint(join(options.directory, 'last'));
      await prune();
    },
    async onEvaluationEnd(logs, trainer) {
      if (options.monitor === undefined) return;
      const value = monitoredValue(logs, options.monitor);
      if (!improves(value, best, mode)) return;
      best = value;
      trainer.extraState.checkpointing = { best };
      await trainer.saveCheckpoint(join(options.directory, 'best'));
    },
    async onEpochEnd(_epoch, trainer) {
      if (options.everySteps !== undefined) return;
      await trainer.saveCheckpoint(numbered(trainer.position.step));
      await trainer.saveCheckpoint(join(options.directory, 'last'));
      await prune();
    },
    async onTrainEnd(trainer) {
      await trainer.saveCheckpoint(join(options.directory, 'last'));
    },
  };
}
