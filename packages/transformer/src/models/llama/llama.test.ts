import { AdamW, computeGradients, createRandomGenerator, crossEntropy, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueCache } from '../../attention/multi-head-attention.js';
import { generate } from '../../generation/generate.js';
import { Llama } from './llama.js';
import { type LlamaConfig, llamaConfig } from './llama-config.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const grouped = llamaConfig('tiny', {
  vocabularySize: 17,
  blockSize: 24,
  headCount: 4,
  keyValueHeadCount: 2,
  embeddingSize: 16,
  feedForwardSize: 24,
  tieWordEmbeddings: false,
  ropeScaling: {
    type: 'llama3',
    factor: 4,
    lowFrequencyFactor: 1,
    highFrequencyFactor: 4,
    originalMaxPositionEmbeddings: 8,
  },
});
// Attention ~2× wider than the residual stream (head_dim ≠ hidden / heads), biases, a sliding window of 3.
const windowed = llamaConfig('tiny', {
  family: 'mistral',
  vocabularySize: 17,
  blockSize: 24,
  headCount: 4,
  keyValueHeadCount: 1,
  embeddingSize: 16,
  headSize: 8,
  slidingWindow: 3,
  queryKeyValueBias: true,
  outputBias: true,
  feedForwardBias: true,
});

/** Random (not 0.02-scaled) weights, so attention is far from uniform and differences show. */
function randomModel(config: LlamaConfig, seed: number): Llama {
  const model = new Llama(config, { random: createRandomGenerator(seed) }).eval();
  let index = 0;
  for (const [, parameter] of model.namedParameters()) {
    parameter.assign(tf.randomNormal(parameter.shape, 0, 0.5, 'float32', seed * 1000 + index++));
  }
  return model;
}

const tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7];
const disposeCaches = (caches: KeyValueCache[]) => tf.dispose(caches.flatMap((cache) => [cache.key, cache.value]));

describe('Llama', () => {
  it('incremental decoding (a prompt, a chunk, then one token at a time) equals full recomputation within 1e-5', async () => {
    for (const config of [grouped, windowed]) {
      const model = randomModel(config, 1);
      const full = (await model.forward(tf.tensor2d([tokens], undefined, 'int32')).array()) as number[][][];
      const rows: number[][] = [];
      let caches: KeyValueCache[] | undefined;
      for (const chunk of [tokens.slice(0, 4), tokens.slice(4, 7), ...tokens.slice(7).map((token) => [token])]) {
        const result = model.forwardIncremental(tf.tensor2d([chunk], undefined, 'int32'), caches);
        if (caches !== undefined) disposeCaches(caches);
        caches = result.caches;
        rows.push(...(((await result.logits.array()) as number[][][])[0] as number[][]));
        result.logits.dispose();
      }
      // Each key/value head is stored once: [batch, keyValueHeads, past, headSize].
      expect(caches?.[0]?.key.shape).toEqual([1, config.keyValueHeadCount, tokens.length, config.headSize]);
      const difference = Math.max(
        ...rows.flatMap((row, t) => row.map((value, v) => Math.abs(value - (full[0]?.[t]?.[v] as number)))),
      );
      expect(difference, config.family).toBeLessThan(1e-5);
      disposeCaches(caches as KeyValueCache[]);
      model.dispose();
    }
  });

  it('grouped-query attention equals multi-head attention with each key/value head repeated for its group', async () => {
    const model = randomModel(grouped, 2);
    const expanded = new Llama({ ...grouped, keyValueHeadCount: grouped.headCount }).eval();
    const groups = grouped.headCount / grouped.keyValueHeadCount;
    const state = model.stateDict();
    for (const [name, parameter] of expanded.namedParameters()) {
      const source = state[name] as tf.Tensor;
      if (/attention\.(key|value)\.weight$/.test(name)) {
        // [embedding, kvHeads·headSize] → [embedding, heads·headSize]: query head h reads kv head ⌊h / groups⌋.
        const [inputs] = source.shape as [number, number];
        const heads = tf.reshape(source, [inputs, grouped.keyValueHeadCount, 1, grouped.headSize]);
        parameter.assign(tf.reshape(tf.tile(heads, [1, 1, groups, 1]), parameter.shape));
      } else {
        parameter.assign(source);
      }
    }
    const ids = tf.tensor2d([tokens], undefined, 'int32');
    const difference = tf.max(tf.abs(tf.sub(model.forward(ids), expanded.forward(ids))));
    expect((await difference.data())[0]).toBeLessThan(1e-5);
    model.dispose();
    expanded.dispose();
  });

  it('a sliding window hides keys more than window − 1 positions back', async () => {
    const model = randomModel(windowed, 3);
    const ids = (values: number[]) => tf.tensor2d([values], undefined, 'int32');
    const last = async (values: number[]) =>
      Array.from(await tf.slice(model.forward(ids(values)), [0, values.length - 1, 0], [1, 1, 17]).data());
    // Each of the 2 layers looks back window − 1 = 2 positions, so position 5 depends on 1 … 5 only.
    const original = await last([1, 2, 3, 4, 5, 6]);
    expect(await last([9, 2, 3, 4, 5, 6])).toEqual(original);
    expect(await last([1, 9, 3, 4, 5, 6])).not.toEqual(original);
    model.dispose();
  });

  it('a tied head has no parameters of its own; the parameter count follows the shapes', () => {
    const tied = new Llama(llamaConfig('tiny'));
    const { vocabularySize: v, embeddingSize: e, headCount: h, keyValueHeadCount: k, headSize: d } = tied.config;
    const f = tied.config.feedForwardSize;
    const perLayer = e * h * d + 2 * e * k * d + h * d * e + 3 * e * f + 2 * e;
    expect(tied.languageModelHead).toBeUndefined();
    expect(tied.parameterCount()).toBe(v * e + tied.config.layerCount * perLayer + e);
    const untied = new Llama(llamaConfig('tiny', { tieWordEmbeddings: false }));
    expect(untied.parameterCount() - tied.parameterCount()).toBe(v * e);
    tied.dispose();
    untied.dispose();
  });

  it('refuses sequences past the block size and ids that are not [batch, time]', () => {
    const model = new Llama(llamaConfig('tiny', { blockSize: 4 }));
    expect(() => model.forward(tf.tensor2d([[1, 2, 3, 4, 5]], undefined, 'int32'))).toThrow(/E_LLAMA_INPUT/);
    expect(() => model.forward(tf.tensor1d([1, 2], 'int32'))).toThrow(/E_LLAMA_INPUT/);
    const { caches } = model.forwardIncremental(tf.tensor2d([[1, 2, 3]], undefined, 'int32'), undefined);
    expect(() => model.forwardIncremental(tf.tensor2d([[1, 2]], undefined, 'int32'), caches)).toThrow(/E_LLAMA_INPUT/);
    model.dispose();
  });

  it('trains: the loss falls and tf.memory().numTensors stays flat', () => {
    const model = new Llama(grouped, { random: createRandomGenerator(4) }).train();
    const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-2, weightDecay: 0 });
    const inputs = tf.tensor2d([tokens.slice(0, -1)], undefined, 'int32');
    const targets = tf.tensor2d([tokens.slice(1)], undefined, 'int32');
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 60; step++) {
      const loss = tf.tidy(() => {
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss;
      });
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(losses.at(-1)).toBeLessThan(0.1 * (losses[0] as number));
    expect(new Set(counts.slice(1)).size).toBe(1);
    model.dispose();
  });
});

describe('generate with a Llama', () => {
  const asGenerator = (model: Llama) => model;

  it('is identical with and without the key/value cache, greedy and sampled, past the block size too', async () => {
    for (const config of [grouped, windowed]) {
      const model = randomModel(config, 5);
      for (const options of [{ temperature: 0 }, { temperature: 0.8, topK: 5, seed: 3 }]) {
        // 30 new tokens after a 3-token prompt run past blockSize 24: both crop the context.
        const cached = await generate(asGenerator(model), [1, 2, 3], { maxNewTokens: 30, ...options });
        const recomputed = await generate(asGenerator(model), [1, 2, 3], {
          maxNewTokens: 30,
          useCache: false,
          ...options,
        });
        expect(cached).toEqual(recomputed);
      }
      model.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat over the generation loop', async () => {
    const model = randomModel(grouped, 6);
    const before = tf.memory().numTensors;
    const during: number[] = [];
    await generate(asGenerator(model), [1], {
      maxNewTokens: 20,
      temperature: 0,
      onToken: () => void during.push(tf.memory().numTensors),
    });
    // While generating: the model plus one cache per layer (a key and a value each), the same every token.
    expect(new Set(during).size).toBe(1);
    expect(during[0]).toBe(before + 2 * grouped.layerCount);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
