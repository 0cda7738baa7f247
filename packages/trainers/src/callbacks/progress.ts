import type { Callback, EvaluationLogs, StepLogs } from '../callback.js';

export interface ProgressOptions {
  /** Where to write (default process.stderr, so stdout stays clean for results). */
  stream?: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Off a TTY, print one line every this many steps (default 50). */
  everySteps?: number;
  /** What an item is, in the throughput column (default 'items'; 'tokens' for language models). */
  itemName?: string;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, '0')}m` : `${minutes}m${String(rest).padStart(2, '0')}s`;
}

/** One status line: step/total, loss, learning rate, throughput, ETA. */
export function formatStepLine(logs: StepLogs, itemName = 'items', barWidth = 0): string {
  const total = logs.totalSteps;
  const fraction = total === undefined ? undefined : Math.min(1, logs.step / total);
  const bar =
    barWidth > 0 && fraction !== undefined
      ? `[${'='.repeat(Math.floor(fraction * barWidth)).padEnd(barWidth, ' ')}] `
      : '';
  const eta =
    fraction === undefined || fraction === 0
      ? ''
      : ` eta ${formatDuration((logs.elapsedSeconds / fraction) * (1 - fraction))}`;
  return (
    `${bar}step ${logs.step}${total === undefined ? '' : `/${total}`} ` +
    `loss ${logs.loss.toFixed(4)} lr ${logs.learningRate.toExponential(2)} ` +
    `${Math.round(logs.itemsPerSecond).toLocaleString('en-US')} ${itemName}/s${eta}`
  );
}

/**
 * Progress reporting: on a terminal a live bar rewritten in place; elsewhere (CI, logs, pipes)
 * one concise line every `everySteps` steps. Evaluations always get their own line.
 */
export function progress(options: ProgressOptions = {}): Callback {
  const stream = options.stream ?? process.stderr;
  const everySteps = options.everySteps ?? 50;
  const itemName = options.itemName ?? 'items';
  const interactive = stream.isTTY === true;
  let lineOpen = false;
  const endLine = () => {
    if (lineOpen) stream.write('\n');
    lineOpen = false;
  };
  return {
    onStepEnd(logs) {
      if (interactive) {
        const width = Math.max(10, Math.min(30, ((stream as { columns?: number }).columns ?? 80) - 70));
        stream.write(`\r\x1b[K${formatStepLine(logs, itemName, width)}`);
        lineOpen = true;
      } else if (logs.step % everySteps === 0 || logs.step === logs.totalSteps) {
        stream.write(`${formatStepLine(logs, itemName)}\n`);
      }
    },
    onEvaluationEnd(logs: EvaluationLogs) {
      endLine();
      const metrics = Object.entries(logs.metrics)
        .map(([name, value]) => ` ${name} ${value.toFixed(4)}`)
        .join('');
      stream.write(`evaluation at step ${logs.step}: loss ${logs.loss.toFixed(4)}${metrics}\n`);
    },
    onTrainEnd() {
      endLine();
    },
  };
}
