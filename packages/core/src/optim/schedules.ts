import { TesseraError } from '../errors.js';

/**
 * A learning-rate schedule maps the optimizer step (0-based, counted in optimizer updates) to a
 * factor on each parameter group's base learning rate — PyTorch's LambdaLR convention, so groups
 * with different rates keep their ratios. A trainer sets `optimizer.learningRateFactor =
 * schedule(step)` before each update.
 */
export type LearningRateSchedule = (step: number) => number;

function check(condition: boolean, message: string): void {
  if (!condition) throw new TesseraError('E_SCHEDULE_OPTION', message);
}

export function constantSchedule(): LearningRateSchedule {
  return () => 1;
}

/** × gamma every `stepSize` steps (torch StepLR). */
export function stepSchedule(options: { stepSize: number; gamma?: number }): LearningRateSchedule {
  const { stepSize, gamma = 0.1 } = options;
  check(Number.isInteger(stepSize) && stepSize > 0, `stepSize must be a positive integer, got ${stepSize}`);
  return (step) => gamma ** Math.floor(step / stepSize);
}

/** × gamma every step (torch ExponentialLR). */
export function exponentialSchedule(options: { gamma: number }): LearningRateSchedule {
  check(options.gamma > 0, `gamma must be positive, got ${options.gamma}`);
  return (step) => options.gamma ** step;
}

export interface WarmupDecayOptions {
  /** Steps of linear warmup (nanoGPT: lr · (step + 1) / (warmupSteps + 1)). */
  warmupSteps: number;
  /** Step at which decay ends; the factor stays at `minimumFactor` after it. */
  totalSteps: number;
  /** Final factor (nanoGPT's min_lr / learning_rate; default 0). */
  minimumFactor?: number;
}

function checkWarmup({ warmupSteps, totalSteps, minimumFactor = 0 }: WarmupDecayOptions): void {
  check(Number.isInteger(warmupSteps) && warmupSteps >= 0, `warmupSteps must be an integer ≥ 0, got ${warmupSteps}`);
  check(totalSteps > warmupSteps, `totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`);
  check(minimumFactor >= 0 && minimumFactor <= 1, `minimumFactor must be in [0, 1], got ${minimumFactor}`);
}

/** Linear warmup, then cosine decay to `minimumFactor` — nanoGPT's get_lr, step for step. */
export function cosineWithWarmupSchedule(options: WarmupDecayOptions): LearningRateSchedule {
  checkWarmup(options);
  const { warmupSteps, totalSteps, minimumFactor = 0 } = options;
  return (step) => {
    if (step < warmupSteps) return (step + 1) / (warmupSteps + 1);
    if (step > totalSteps) return minimumFactor;
    const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
    return minimumFactor + 0.5 * (1 + Math.cos(Math.PI * progress)) * (1 - minimumFactor);
  };
}

/** Linear warmup, then linear decay to `minimumFactor` (Hugging Face's linear schedule). */
export function linearWithWarmupSchedule(options: WarmupDecayOptions): LearningRateSchedule {
  checkWarmup(options);
  const { warmupSteps, totalSteps, minimumFactor = 0 } = options;
  return (step) => {
    if (step < warmupSteps) return step / Math.max(1, warmupSteps);
    if (step >= totalSteps) return minimumFactor;
    return minimumFactor + (1 - minimumFactor) * ((totalSteps - step) / (totalSteps - warmupSteps));
  };
}

export interface OneCycleOptions {
  totalSteps: number;
  /** Fraction of the cycle spent increasing (default 0.3). */
  percentStart?: number;
  /** Initial rate = maximum / divisionFactor (default 25). */
  divisionFactor?: number;
  /** Final rate = initial / finalDivisionFactor (default 1e4). */
  finalDivisionFactor?: number;
  /** Annealing shape (default 'cos'). */
  annealStrategy?: 'cos' | 'linear';
}

/**
 * Smith & Topin's one-cycle policy as torch OneCycleLR (two phases): the factor is relative to
 * the group's learning rate, which plays the role of max_lr.
 */
export function oneCycleSchedule(options: OneCycleOptions): LearningRateSchedule {
  const {
    totalSteps,
    percentStart = 0.3,
    divisionFactor = 25,
    finalDivisionFactor = 1e4,
    annealStrategy = 'cos',
  } = options;
  check(Number.isInteger(totalSteps) && totalSteps > 1, `totalSteps must be an integer > 1, got ${totalSteps}`);
  check(percentStart > 0 && percentStart < 1, `percentStart must be in (0, 1), got ${percentStart}`);
  const initial = 1 / divisionFactor;
  const final = initial / finalDivisionFactor;
  const peakStep = percentStart * totalSteps - 1;
  const lastStep = totalSteps - 1;
  const anneal = (start: number, end: number, fraction: number) =>
    annealStrategy === 'cos'
      ? end + ((start - end) / 2) * (Math.cos(Math.PI * fraction) + 1)
      : (end - start) * fraction + start;
  return (step) => {
    if (step <= peakStep) return anneal(initial, 1, step / peakStep);
    return anneal(1, final, Math.min(1, (step - peakStep) / (lastStep - peakStep)));
  };
}
