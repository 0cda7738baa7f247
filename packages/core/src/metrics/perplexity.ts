/**
 * Perplexity of a language model: the exponential of the mean per-token cross-entropy (in nats),
 *
 *   PPL = exp( (1/T) Σₜ −log softmax(logitsₜ)[targetₜ] )
 *
 * over the T tokens whose target is not `ignoreIndex` (padding, prompt tokens). This is
 * exp(mean loss), as PyTorch's `cross_entropy(..., ignore_index=-100)` + `exp` and Hugging Face's
 * evaluation compute it: tokens are pooled across batches, not batch perplexities averaged.
 *
 * log softmax uses the max-shifted log-sum-exp, in float64, so large logits do not overflow.
 */
import { TesseraError } from '../errors.js';
import { defineMetric, type Metric, type MetricFunction, type MetricInput, type MetricOptions } from './metric.js';
import { assertSameLength, type NumericData, readNumeric } from './metric-input.js';

export interface PerplexityOptions extends MetricOptions {
  /** Target value of tokens to skip. Default −100 (PyTorch's and Hugging Face's convention). */
  ignoreIndex?: number;
}

function validateIgnoreIndex(options: PerplexityOptions): number {
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) {
    throw new TesseraError('E_METRIC_OPTION', `\`ignoreIndex\` must be an integer, got ${ignoreIndex}`);
  }
  return ignoreIndex;
}

function describeShape(data: NumericData): string {
  return `[${data.shape.join(', ')}]`;
}

/** Running Σ loss and token count; one token at a time, so batch splits do not change the sum. */
function createTokenLossMetric<Target>(
  name: string,
  tokenLosses: (predictions: MetricInput, targets: Target) => Float64Array,
): Metric<number, MetricInput, Target> {
  let lossSum = 0;
  let tokenCount = 0;
  return {
    name,
    update(predictions, targets) {
      const losses = tokenLosses(predictions, targets);
      for (let index = 0; index < losses.length; index++) lossSum += losses[index]!;
      tokenCount += losses.length;
    },
    compute() {
      if (tokenCount === 0) {
        throw new TesseraError(
          'E_METRIC_UNDEFINED',
          'perplexity is undefined with no tokens counted; call update() with targets that are not all ignoreIndex',
        );
      }
      return Math.exp(lossSum / tokenCount);
    },
    reset() {
      lossSum = 0;
      tokenCount = 0;
    },
  };
}

/** Cross-entropy of every counted token from logits `[..., vocabulary]` and targets `[...]`. */
function crossEntropyFromLogits(
  logitsInput: MetricInput,
  targetsInput: MetricInput,
  ignoreIndex: number,
): Float64Array {
  const logits = readNumeric(logitsInput, 'predictions');
  const targets = readNumeric(targetsInput, 'targets');
  // An empty batch adds nothing (and `[]` carries no vocabulary axis to check).
  if (logits.values.length === 0 && targets.values.length === 0) return new Float64Array(0);
  if (logits.shape.length < 2) {
    throw new TesseraError(
      'E_METRIC_INPUT_SHAPE',
      `predictions (logits) have shape ${describeShape(logits)}; expected [..., vocabulary], e.g. [batch, time, vocabulary]`,
    );
  }
  const vocabulary = logits.shape[logits.shape.length - 1]!;
  if (vocabulary === 0)
    throw new TesseraError('E_METRIC_INPUT_SHAPE', 'predictions (logits) have a vocabulary axis of size 0');
  const positions = logits.values.length / vocabulary;
  assertSameLength(positions, targets.values.length, 'token positions');
  // Validate every counted token before returning anything, so a bad batch changes no state.
  const losses: number[] = [];
  for (let position = 0; position < positions; position++) {
    const target = targets.values[position]!;
    if (target === ignoreIndex) continue;
    if (!Number.isInteger(target) || target < 0 || target >= vocabulary) {
      throw new TesseraError(
        'E_METRIC_INPUT_LABEL',
        `targets (flat index ${position}) is ${target}; expected a token id in [0, ${vocabulary}) or ignoreIndex ${ignoreIndex}`,
      );
    }
    const offset = position * vocabulary;
    let maximum = Number.NEGATIVE_INFINITY;
    for (let token = 0; token < vocabulary; token++) {
      const logit = logits.values[offset + token]!;
      if (!Number.isFinite(logit)) {
        throw new TesseraError(
          'E_METRIC_INPUT_NOT_FINITE',
          `predictions (logits) at token position ${position}, vocabulary entry ${token} is ${logit}; logits of counted tokens must be finite`,
        );
      }
      if (logit > maximum) maximum = logit;
    }
    let expSum = 0;
    for (let token = 0; token < vocabulary; token++) expSum += Math.exp(logits.values[offset + token]! - maximum);
    // −log softmax[target] = logsumexp(logits) − logits[target]
    losses.push(maximum + Math.log(expSum) - logits.values[offset + target]!);
  }
  return Float64Array.from(losses);
}

/** Per-token losses, skipping positions whose target is `ignoreIndex` when targets are given. */
function countedLosses(lossesInput: MetricInput, targetsInput: MetricInput | null, ignoreIndex: number): Float64Array {
  const losses = readNumeric(lossesInput, 'predictions');
  const targets = targetsInput === null ? null : readNumeric(targetsInput, 'targets');
  if (targets) assertSameLength(losses.values.length, targets.values.length, 'token positions');
  const counted: number[] = [];
  for (let position = 0; position < losses.values.length; position++) {
    if (targets && targets.values[position] === ignoreIndex) continue;
    const loss = losses.values[position]!;
    if (!Number.isFinite(loss)) {
      throw new TesseraError(
        'E_METRIC_INPUT_NOT_FINITE',
        `token loss at flat index ${position} is ${loss}; losses of counted tokens must be finite (mask padding with targets = ignoreIndex)`,
      );
    }
    if (loss < 0) {
      throw new TesseraError(
        'E_METRIC_INPUT_RANGE',
        `token loss at flat index ${position} is ${loss}; cross-entropy is ≥ 0 (pass negative log-likelihoods, not log-probabilities)`,
      );
    }
    counted.push(loss);
  }
  return Float64Array.from(counted);
}

function createPerplexity(options: PerplexityOptions = {}): Metric {
  const ignoreIndex = validateIgnoreIndex(options);
  return createTokenLossMetric<MetricInput>(options.name ?? 'perplexity', (logits, targets) =>
    crossEntropyFromLogits(logits, targets, ignoreIndex),
  );
}

function createPerplexityFromLosses(options: PerplexityOptions = {}): Metric<number, MetricInput, MetricInput | null> {
  const ignoreIndex = validateIgnoreIndex(options);
  // Left-out targets (`perplexityFromLosses(losses)`) count every position, as `null` does.
  return createTokenLossMetric<MetricInput | null>(options.name ?? 'perplexity', (losses, targets) =>
    countedLosses(losses, targets ?? null, ignoreIndex),
  );
}

/**
 * Perplexity from logits `[..., vocabulary]` and integer targets `[...]` (same leading positions;
 * e.g. `[batch, time, vocabulary]` and `[batch, time]`), of one batch or, through
 * `perplexity.create()`, streamed.
 */
export const perplexity: MetricFunction<PerplexityOptions> = defineMetric(createPerplexity);

/**
 * Perplexity from per-token cross-entropy losses (any shape, e.g. `[batch, time]` from a loss
 * with no reduction). `targets` are the token ids of the same positions, used only to skip those
 * equal to `ignoreIndex`; pass `null` (or leave them out of a one-batch call) to count every
 * position. `perplexityFromLosses.create()` streams it.
 */
export const perplexityFromLosses: MetricFunction<PerplexityOptions, number, MetricInput, MetricInput | null> =
  defineMetric(createPerplexityFromLosses);
