import { initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { transformerQuantizationRule } from './transformer-export-options.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('transformer export options', () => {
  it('quantization rule: matrices per output channel, embeddings per row, vectors untouched', () => {
    const rule = transformerQuantizationRule(false);
    const matrix = tf.zeros([32, 64]);
    const vector = tf.zeros([2048]);
    expect(rule('blocks.0.attention.query.weight', matrix)).toBe(-1);
    expect(rule('tokenEmbedding.weight', matrix)).toBeUndefined();
    expect(transformerQuantizationRule(true)('tokenEmbedding.weight', matrix)).toBe(0);
    expect(rule('finalNorm.weight', vector)).toBeUndefined();
    tf.dispose([matrix, vector]);
  });
});
