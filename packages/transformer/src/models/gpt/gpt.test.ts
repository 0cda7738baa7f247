import { AdamW, computeGradients, createRandomGenerator, crossEntropy, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiHeadSelfAttention } from '../../attention/multi-head-attention.js';
import { GPT } from './gpt.js';
import { gptConfig } from './gpt-config.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const tiny = gptConfig('nanogpt-baby', {
  vocabularySize: 11,
  blockSize: 8,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 16,
  bias: true,
});

describe('MultiHeadSelfAttention', () => {
  it('causal: a position never sees later ones; padding: masked keys get zero weight', async () => {
    const attention = new MultiHeadSelfAttention({
      embeddingSize: 8,
      headCount: 2,
      causal: true,
      random: createRandomGenerator(1),
    });
    const x = tf.randomNormal([1, 5, 8], 0, 1, 'float32', 2);
    const changedLater = tf.concat(
      [tf.slice(x, [0, 0, 0], [1, 3, 8]), tf.randomNormal([1, 2, 8], 0, 1, 'float32', 3)],
      1,
    );
    const first = (await tf.slice(attention.forward(x), [0, 0, 0], [1, 3, 8]).data()) as Float32Array;
    const second = (await tf.slice(attention.forward(changedLater), [0, 0, 0], [1, 3, 8]).data()) as Float32Array;
    expect(Array.from(second)).toEqual(Array.from(first));

    const bidirectional = new MultiHeadSelfAttention({
      embeddingSize: 8,
      headCount: 2,
      causal: false,
      random: createRandomGenerator(1),
    });
    const mask = tf.tensor2d([[1, 1, 1, 0, 0]]);
    const { attentionWeights } = bidirectional.attend(x, { attentionMask: mask }, true);
    expect(attentionWeights?.shape).toEqual([1, 2, 5, 5]);
    const weights = (await attentionWeights?.array()) as number[][][][];
    for (const row of weights.flat(2) as unknown as number[][]) {
      expect(row[3]).toBeLessThan(1e-7);
      expect(row[4]).toBeLessThan(1e-7);
      expect(Math.abs(row.reduce((a, b) => a + b) - 1)).toBeLessThan(1e-5);
    }
  });
});

describe('GPT', () => {
  it('the same seed gives the same weights; logits are [batch, time, vocabulary]; too long a sequence is refused', async () => {
    const a = new GPT(tiny, { random: createRandomGenerator(5) });
    const b = new GPT(tiny, { random: createRandomGenerator(5) });
    expect(Array.from(await a.tokenEmbedding.weight.data())).toEqual(Array.from(await b.tokenEmbedding.weight.data()));
    expect(a.forward(tf.zeros([3, 8], 'int32')).shape).toEqual([3, 8, 11]);
    expect(() => a.forward(tf.zeros([1, 9], 'int32'))).toThrow(/E_GPT_INPUT.*block size 8/);
    // nanoGPT's parameter count for this shape: embeddings + 2 blocks + final norm (head tied).
    const perBlock = 2 * (2 * 16) + (16 * 48 + 48) + (16 * 16 + 16) + (16 * 64 + 64) + (64 * 16 + 16);
    expect(a.parameterCount()).toBe(11 * 16 + 8 * 16 + 2 * perBlock + 2 * 16);
    // nanoGPT's baby GPT (bias=False) prints 0.80M: 795,904 without the position embeddings.
    const baby = new GPT(gptConfig('nanogpt-baby', { vocabularySize: 65 }), { random: createRandomGenerator(5) });
    expect(baby.parameterCount() - 64 * 128).toBe(795904);
    baby.dispose();
  });

  it('learns to continue a repeating sequence; memory is flat over the training steps', () => {
    const model = new GPT(tiny, { random: createRandomGenerator(6) });
    const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-2, weightDecay: 0 });
    const sequence = Array.from({ length: 9 }, (_, i) => i % 11);
    const inputs = tf.tensor2d([sequence.slice(0, 8)], undefined, 'int32');
    const targets = tf.tensor2d([sequence.slice(1, 9)], undefined, 'int32');
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 80; step++) {
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
  });
});
