import { createRandomGenerator, type RandomGenerator, TesseraError, tf } from '@tessera/core';
import type { KeyValueCache } from '../attention/multi-head-attention.js';
import { type SamplingOptions, sampleToken, validateSampling } from './sampling.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';

export interface GenerationOptions extends SamplingOptions {
  /** How many tokens to generate at most. */
  maxNewTokens: number;
  /** Generation ends after producing any of these (the stop token is included in the result). */
  stopTokens?: readonly number[];
  /** Seed for sampling (default 0), or a generator to draw from. */
  seed?: number;
  random?: RandomGenerator;
  /** Called with each new token as it is produced; return false to stop. */
  onToken?: (token: number, index: number) => void | boolean;
  /** Reuse keys and values of earlier positions instead of recomputing them (default true). */
  useCache?: boolean;
  /**
   * Stops generation before the next token once aborted (a client went away, a user pressed
   * stop); `generate` then returns the tokens made so far.
   */
  signal?: AbortSignal;
}

/** What generate needs of a model (GPT and Llama are both one): a context length, eval/train, full and incremental forward. */
export interface CausalLanguageModel {
  readonly config: { readonly blockSize: number };
  readonly training: boolean;
  eval(): unknown;
  train(mode?: boolean): unknown;
  forward(ids: tf.Tensor): tf.Tensor;
  forwardIncremental(
    ids: tf.Tensor,
    caches: KeyValueCache[] | undefined,
  ): { logits: tf.Tensor; caches: KeyValueCache[] };
}

function lastRow(logits: tf.Tensor): Float32Array {
  const [, time, vocabulary] = logits.shape as [number, number, number];
  return tf.tidy(() => tf.slice(logits, [0, time - 1, 0], [1, 1, vocabulary]).dataSync() as Float32Array);
}

/**
 * Autoregressive generation from a prompt of token ids: greedy or sampled (temperature, top-k,
 * top-p, repetition penalty), stop tokens, a token budget, seeded and streamed token by token.
 * Beyond the block size the context is cropped to its last `blockSize` tokens, as nanoGPT does.
 * Returns the new tokens. The model runs in eval mode (dropout off) and is restored after. Between
 * tokens it yields to the event loop, so a server keeps answering and a worker keeps receiving
 * messages while it runs.
 */
export async function generate(
  model: CausalLanguageModel,
  prompt: readonly number[],
  options: GenerationOptions,
): Promise<number[]> {
  validateSampling(options);
  if (prompt.length === 0) throw new TesseraError('E_GENERATION_INPUT', 'the prompt needs at least one token');
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 0)) {
    throw new TesseraError('E_GENERATION_OPTION', `maxNewTokens must be an integer ≥ 0, got ${options.maxNewTokens}`);
  }
  const random = options.random ?? createRandomGenerator(options.seed ?? 0);
  const { blockSize } = model.config;
  const useCache = options.useCache !== false;
  const stop = new Set(options.stopTokens ?? []);
  const sequence = [...prompt];
  const generated: number[] = [];
  const wasTraining = model.training;
  model.eval();
  let caches: KeyValueCache[] | undefined;
  const disposeCaches = () => {
    if (caches !== undefined) tf.dispose(caches.flatMap((cache) => [cache.key, cache.value]));
    caches = undefined;
  };
  /** Logits of the last position: from the cache when it has room, else from the cropped context. */
  const nextLogits = (newTokens: number): Float32Array => {
    const cached = caches?.[0]?.key.shape[2] ?? 0;
    if (useCache && caches !== undefined && cached + newTokens <= blockSize) {
      const ids = tf.tensor2d([sequence.slice(-newTokens)], undefined, 'int32');
      const result = model.forwardIncremental(ids, caches);
      ids.dispose();
      disposeCaches();
      caches = result.caches;
      const row = lastRow(result.logits);
      result.logits.dispose();
      return row;
    }
    disposeCaches();
    const ids = tf.tensor2d([sequence.slice(-blockSize)], undefined, 'int32');
    try {
      if (!useCache) {
        const logits = model.forward(ids);
        const row = lastRow(logits);
        logits.dispose();
        return row;
      }
      const result = model.forwardIncremental(ids, undefined);
      caches = result.caches;
      const row = lastRow(result.logits);
      result.logits.dispose();
      return row;
    } finally {
      ids.dispose();
    }
  };
  const aborted = () => options.signal?.aborted === true;
  try {
    if (aborted()) return generated;
    let logits = nextLogits(sequence.length);
    for (let index = 0; index < options.maxNewTokens; index++) {
      const token = sampleToken(logits, sequence, options, random);
      sequence.push(token);
      generated.push(token);
      if (options.onToken?.(token, index) === false || stop.has(token)) break;
      if (index + 1 === options.maxNewTokens) break;
      await yieldToEventLoop(); // streaming consumers, other requests, stop messages get their turn
      if (aborted()) break;
      logits = nextLogits(1);
    }
  } finally {
    disposeCaches();
    model.train(wasTraining);
  }
  return generated;
}
