import { createRandomGenerator, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GPT } from '../models/gpt/gpt.js';
import { gptConfig } from '../models/gpt/gpt-config.js';
import { generate } from './generate.js';
import { sampleToken } from './sampling.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const config = gptConfig('nanogpt-baby', {
  vocabularySize: 13,
  blockSize: 16,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 16,
});

describe('KV cache', () => {
  it('incremental logits equal full recomputation within 1e-5', async () => {
    const model = new GPT(config, { random: createRandomGenerator(1) }).eval();
    const tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    const full = (await model.forward(tf.tensor2d([tokens], undefined, 'int32')).array()) as number[][][];
    let { logits, caches } = model.forwardIncremental(tf.tensor2d([tokens.slice(0, 5)], undefined, 'int32'), undefined);
    const incremental = ((await logits.array()) as number[][][])[0] as number[][];
    for (const token of tokens.slice(5)) {
      const next = model.forwardIncremental(tf.tensor2d([[token]], undefined, 'int32'), caches);
      tf.dispose([logits, ...caches.flatMap((cache) => [cache.key, cache.value])]);
      ({ logits, caches } = next);
      incremental.push(((await logits.array()) as number[][][])[0]?.[0] as number[]);
    }
    const difference = Math.max(
      ...incremental.flatMap((row, t) => row.map((value, v) => Math.abs(value - (full[0]?.[t]?.[v] as number)))),
    );
    expect(difference).toBeLessThan(1e-5);
  });
});

describe('generate', () => {
  it('is identical with and without the cache, greedy and sampled, and repeatable from a seed', async () => {
    const model = new GPT(config, { random: createRandomGenerator(2) });
    for (const options of [
      { temperature: 0 },
      { temperature: 0.8, topK: 5, seed: 3 },
      { topP: 0.9, repetitionPenalty: 1.3, seed: 4 },
    ]) {
      const cached = await generate(model, [1, 2, 3], { maxNewTokens: 10, ...options });
      const recomputed = await generate(model, [1, 2, 3], { maxNewTokens: 10, useCache: false, ...options });
      expect(cached).toEqual(recomputed);
      expect(await generate(model, [1, 2, 3], { maxNewTokens: 10, ...options })).toEqual(cached);
    }
    expect(model.training).toBe(true); // restored after generation
  });

  it('streams tokens, stops on a stop token or when the callback says so, and crops past the block size', async () => {
    const model = new GPT(config, { random: createRandomGenerator(3) });
    const streamed: number[] = [];
    const before = tf.memory().numTensors;
    const long = await generate(model, [1], {
      maxNewTokens: 40,
      seed: 1,
      onToken: (token) => void streamed.push(token),
    });
    expect(long).toHaveLength(40); // 41 tokens > block size 16: the context is cropped
    expect(streamed).toEqual(long);
    expect(tf.memory().numTensors).toBe(before);
    const first = long[0] as number;
    expect(await generate(model, [1], { maxNewTokens: 40, seed: 1, stopTokens: [first] })).toEqual([first]);
    expect(await generate(model, [1], { maxNewTokens: 40, seed: 1, onToken: (_, index) => index < 2 })).toHaveLength(3);
    await expect(generate(model, [], { maxNewTokens: 1 })).rejects.toThrow(/E_GENERATION_INPUT/);
    await expect(generate(model, [1], { maxNewTokens: 1, topP: 0 })).rejects.toThrow(/E_GENERATION_OPTION/);
  });
});

describe('generate between tokens', () => {
  it('lets the event loop run (timers fire mid-generation) and stops after the token during which it was aborted', async () => {
    const model = new GPT(config, { random: createRandomGenerator(4) });
    const controller = new AbortController();
    const timerFiredAt: number[] = [];
    let produced = 0;
    setTimeout(() => timerFiredAt.push(produced), 0);
    const tokens = await generate(model, [1], {
      maxNewTokens: 30,
      seed: 2,
      signal: controller.signal,
      onToken: (_, index) => {
        produced = index + 1;
        if (index === 9) controller.abort(); // e.g. the client went away while token 10 was sent
      },
    });
    expect(tokens).toHaveLength(10);
    expect(timerFiredAt).toHaveLength(1);
    expect(timerFiredAt[0]).toBeLessThan(10); // the timer ran while tokens were still being made
    expect(await generate(model, [1], { maxNewTokens: 5, signal: AbortSignal.abort() })).toEqual([]);
    const unaborted = await generate(model, [1], { maxNewTokens: 30, seed: 2 });
    expect(unaborted.slice(0, 10)).toEqual(tokens);
  });
});

describe('sampleToken', () => {
  const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);

  it('samples with the softmax probabilities, and greedy / top-k 1 pick the maximum', () => {
    const random = createRandomGenerator(9);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) (counts[sampleToken(logits, [], {}, random)] as number)++;
    [0.5, 0.3, 0.15, 0.05].forEach((probability, token) => {
      expect(Math.abs((counts[token] as number) / 20_000 - probability)).toBeLessThan(0.015);
    });
    expect(sampleToken(logits, [], { temperature: 0 }, random)).toBe(0);
    for (let i = 0; i < 50; i++) expect(sampleToken(logits, [], { topK: 1 }, random)).toBe(0);
  });

  it('top-p keeps the smallest set reaching p; the repetition penalty demotes seen tokens', () => {
    const random = createRandomGenerator(10);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logits, [], { topP: 0.7 }, random));
    expect([...seen].sort()).toEqual([0, 1]); // 0.5 + 0.3 ≥ 0.7
    const flat = Float32Array.from([2, 1.9, -1, -1]);
    expect(sampleToken(flat, [0], { temperature: 0, repetitionPenalty: 1.2 }, random)).toBe(1); // 2 / 1.2 < 1.9
  });
});
