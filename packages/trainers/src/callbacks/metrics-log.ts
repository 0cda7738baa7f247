import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Callback } from '../callback.js';

/**
 * Appends one JSON object per line to `path`: `{"kind":"step",...StepLogs}` after each optimizer
 * step and `{"kind":"evaluation",...}` after each evaluation — easy to tail, plot or load into
 * pandas. Appending (not rewriting) means a crash loses at most the line being written.
 */
export function metricsLog(path: string, options: { everySteps?: number } = {}): Callback {
  const everySteps = options.everySteps ?? 1;
  let ready: Promise<unknown> | undefined;
  const write = async (record: Record<string, unknown>) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${JSON.stringify(record)}\n`);
  };
  return {
    async onStepEnd(logs) {
      if (logs.step % everySteps === 0) await write({ kind: 'step', ...logs });
    },
    async onEvaluationEnd(logs) {
      await write({ kind: 'evaluation', ...logs });
    },
  };
}
