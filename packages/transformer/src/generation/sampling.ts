import { type RandomGenerator, TesseraError } from '@tessera/core';

export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (nucleus sampling). */
  topP?: number;
  /**
   * > 1 discourages tokens already in the history (Keskar et al. 2019, as Hugging Face applies it):
   * a positive logit is divided by the penalty, a negative one multiplied.
   */
  repetitionPenalty?: number;
}

export function validateSampling(options: SamplingOptions): void {
  const { temperature = 1, topK, topP, repetitionPenalty = 1 } = options;
  if (!(temperature >= 0)) throw new TesseraError('E_GENERATION_OPTION', `temperature must be ≥ 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1))
    throw new TesseraError('E_GENERATION_OPTION', `topK must be an integer ≥ 1, got ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1))
    throw new TesseraError('E_GENERATION_OPTION', `topP must be in (0, 1], got ${topP}`);
  if (!(repetitionPenalty > 0))
    throw new TesseraError('E_GENERATION_OPTION', `repetitionPenalty must be > 0, got ${repetitionPenalty}`);
}

/** Picks the next token from one position's logits [vocabulary]. */
export function sampleToken(
  logits: Float32Array,
  history: readonly number[],
  options: SamplingOptions,
  random: RandomGenerator,
): number {
  const { temperature = 1, topK, topP, repetitionPenalty = 1 } = options;
  const scores = Float64Array.from(logits);
  if (repetitionPenalty !== 1) {
    for (const token of new Set(history)) {
      const score = scores[token] as number;
      scores[token] = score > 0 ? score / repetitionPenalty : score * repetitionPenalty;
    }
  }
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
    return best;
  }
  // Candidates by descending score; top-k and top-p cut this list.
  let order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  if (topK !== undefined) order = order.slice(0, topK);
  const maximum = scores[order[0] as number] as number;
  let weights = order.map((token) => Math.exp(((scores[token] as number) - maximum) / temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  if (topP !== undefined && topP < 1) {
    let cumulative = 0;
    let keep = 0;
    while (keep < weights.length && cumulative < topP * total) cumulative += weights[keep++] as number;
    order = order.slice(0, Math.max(1, keep));
    weights = weights.slice(0, order.length);
    total = weights.reduce((a, b) => a + b, 0);
  }
  let draw = random.nextFloat() * total;
  for (let i = 0; i < order.length; i++) {
    draw -= weights[i] as number;
    if (draw < 0) return order[i] as number;
  }
  return order[order.length - 1] as number;
}
