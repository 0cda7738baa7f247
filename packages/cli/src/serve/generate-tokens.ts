import { createRandomGenerator, tf } from '@tessera/core';
import { type GPT, type KeyValueCache, type SamplingOptions, sampleToken } from '@tessera/transformer';

/**
 * Token-by-token generation for a server. Like transformer's `generate` (same sampling, same
 * key/value cache, same cropping to the block size) but it yields to the event loop with
 * `setImmediate` after every token, so health checks, other streams and new connections are served
 * while a long generation runs on the one JavaScript thread, and it stops when `shouldStop` says
 * (the client went away, or the server is closing).
 */
export interface TokenGenerationOptions extends SamplingOptions {
  maxNewTokens: number;
  seed: number;
  /** Called with each token before the next one is computed. */
  onToken: (token: number, index: number) => void;
  shouldStop?: () => boolean;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The logits of the last position [vocabulary], read out of `logits` [1, time, vocabulary]. */
function lastRow(logits: tf.Tensor): Float32Array {
  const [, time, vocabulary] = logits.shape as [number, number, number];
  return tf.tidy(() => tf.slice(logits, [0, time - 1, 0], [1, 1, vocabulary]).dataSync() as Float32Array);
}

export async function generateTokens(
  model: GPT,
  prompt: readonly number[],
  options: TokenGenerationOptions,
): Promise<number[]> {
  const random = createRandomGenerator(options.seed);
  const { blockSize } = model.config;
  const sequence = [...prompt];
  const generated: number[] = [];
  let caches: KeyValueCache[] | undefined;
  const disposeCaches = () => {
    if (caches !== undefined) tf.dispose(caches.flatMap((cache) => [cache.key, cache.value]));
    caches = undefined;
  };
  const step = (newTokens: number): Float32Array => {
    const cached = caches?.[0]?.key.shape[2] ?? 0;
    // With room in the cache feed only the new token; otherwise restart from the cropped context.
    const reuse = caches !== undefined && cached + newTokens <= blockSize;
    if (!reuse) disposeCaches();
    const ids = tf.tensor2d([reuse ? sequence.slice(-newTokens) : sequence.slice(-blockSize)], undefined, 'int32');
    const result = model.forwardIncremental(ids, caches);
    ids.dispose();
    disposeCaches();
    caches = result.caches;
    const row = lastRow(result.logits);
    result.logits.dispose();
    return row;
  };
  try {
    let logits = step(sequence.length);
    for (let index = 0; index < options.maxNewTokens; index++) {
      const token = sampleToken(logits, sequence, options, random);
      sequence.push(token);
      generated.push(token);
      options.onToken(token, index);
      await yieldToEventLoop();
      if (options.shouldStop?.() === true) break;
      if (index + 1 < options.maxNewTokens) logits = step(1);
    }
  } finally {
    disposeCaches();
  }
  return generated;
}
