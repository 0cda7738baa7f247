import { TesseraError } from '@tessera/core';
import type { EvaluationLogs } from '../callback.js';

/** The value a callback watches: 'loss' or a metric name, from evaluation logs. */
export function monitoredValue(logs: EvaluationLogs, monitor: string): number {
  const value = monitor === 'loss' ? logs.loss : logs.metrics[monitor];
  if (value === undefined) {
    throw new TesseraError(
      'E_CALLBACK_MONITOR',
      `cannot monitor '${monitor}': evaluation reports loss${Object.keys(logs.metrics)
        .map((name) => `, ${name}`)
        .join('')}`,
    );
  }
  return value;
}

/** True when `value` improves on `best` by more than `minimumDelta` in the given direction. */
export function improves(value: number, best: number | undefined, mode: 'min' | 'max', minimumDelta = 0): boolean {
  if (best === undefined) return true;
  return mode === 'min' ? value < best - minimumDelta : value > best + minimumDelta;
}
