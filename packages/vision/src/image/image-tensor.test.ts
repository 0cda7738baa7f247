import { initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import reference from '../fixtures/torch-reference.json' with { type: 'json' };
import { normalizeChannels, resizeBilinear } from './image-tensor.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('resize and normalise', () => {
  it('matches PyTorch F.interpolate(bilinear, align_corners=False) up and down', async () => {
    for (const case_ of reference.resize) {
      const input = tf.tensor3d(case_.input, case_.inputShape as [number, number, number]);
      const output = resizeBilinear(input, [case_.outputShape[0] as number, case_.outputShape[1] as number]);
      expect(output.shape).toEqual(case_.outputShape);
      const values = await output.data();
      case_.output.forEach((expected, index) => {
        expect(values[index]).toBeCloseTo(expected, 5);
      });
      tf.dispose([input, output]);
    }
  });

  it('normalises each channel with its own mean and std', async () => {
    const images = tf.tensor4d([0.5, 1, 0, 0.2], [1, 2, 1, 2]);
    const normalized = normalizeChannels(images, [0.5, 0.2], [0.25, 0.4]);
    // Channel 0: (0.5 − 0.5) / 0.25, (0 − 0.5) / 0.25; channel 1: (1 − 0.2) / 0.4, (0.2 − 0.2) / 0.4.
    const values = Array.from(await normalized.data());
    [0, 2, -2, 0].forEach((expected, index) => {
      expect(values[index]).toBeCloseTo(expected, 5);
    });
    expect(() => normalizeChannels(images, [0.5], [1])).toThrow(/E_IMAGE_NORMALIZE/);
    expect(() => resizeBilinear(images, [0, 3])).toThrow(/E_IMAGE_RESIZE/);
    tf.dispose([images, normalized]);
  });
});
