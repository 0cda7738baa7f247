import { initBackend, Linear, Sequential, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneState, disposeState, flattenState, type ModelState, stateNorm, unflattenState } from './model-state.js';
import { proximalTerm } from './proximal-term.js';
import { UpdateAggregator } from './update-aggregator.js';
import { clipUpdate } from './update-clipping.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const state = (weight: number[], bias: number[]): ModelState => ({
  weight: tf.tensor2d(weight, [2, 2]),
  bias: tf.tensor1d(bias),
  steps: tf.scalar(3, 'int32'),
});

describe('UpdateAggregator', () => {
  it('averages updates weighted by example count and leaves non-float entries alone', () => {
    const global = state([1, 1, 1, 1], [0, 0]);
    const aggregator = new UpdateAggregator(global);
    const first = { weight: tf.tensor2d([1, 0, 0, 0], [2, 2]), bias: tf.tensor1d([2, 0]) };
    const second = { weight: tf.tensor2d([0, 4, 0, 0], [2, 2]), bias: tf.tensor1d([-2, 6]) };
    aggregator.add({ delta: first, exampleCount: 3 });
    aggregator.add({ delta: second, exampleCount: 1 });
    const next = aggregator.applyTo(global);
    // w + (3·Δ1 + 1·Δ2) / 4
    expect(Array.from(next.weight!.dataSync())).toEqual([1.75, 2, 1, 1]);
    expect(Array.from(next.bias!.dataSync())).toEqual([1, 1.5]);
    expect(next.steps!.dataSync()[0]).toBe(3);
    expect(aggregator.exampleCount).toBe(4);
    aggregator.reset();
    tf.dispose([...Object.values(first), ...Object.values(second)]);
    disposeState(next);
    disposeState(global);
  });

  it('bounds what one poisoned client can do: its update is clipped to maxUpdateNorm', () => {
    const global = state([0, 0, 0, 0], [0, 0]);
    const aggregator = new UpdateAggregator(global, { maxUpdateNorm: 1 });
    const honest = { weight: tf.tensor2d([0.1, 0, 0, 0], [2, 2]), bias: tf.tensor1d([0, 0]) };
    for (let client = 0; client < 9; client++) aggregator.add({ delta: honest, exampleCount: 10 });
    const poison = { weight: tf.tensor2d([-1e6, 1e6, 1e6, -1e6], [2, 2]), bias: tf.tensor1d([1e6, 1e6]) };
    const added = aggregator.add({ delta: poison, exampleCount: 10 });
    expect(added.clipped).toBe(true);
    expect(added.norm).toBeCloseTo(Math.sqrt(6) * 1e6, -1);
    const next = aggregator.applyTo(global);
    const honestAverage = cloneState({ weight: tf.tensor2d([0.09, 0, 0, 0], [2, 2]), bias: tf.tensor1d([0, 0]) });
    const deviation = {
      weight: tf.sub(next.weight!, honestAverage.weight!),
      bias: tf.sub(next.bias!, honestAverage.bias!),
    };
    // The poisoned client's pull on the global model: at most maxUpdateNorm · n_k / Σ n = 0.1.
    expect(stateNorm(deviation)).toBeLessThanOrEqual(0.1 + 1e-6);
    expect(stateNorm(deviation)).toBeGreaterThan(0.099);
    aggregator.reset();
    tf.dispose([...Object.values(honest), ...Object.values(poison), ...Object.values(deviation)]);
    disposeState(honestAverage);
    disposeState(next);
    disposeState(global);
  });

  it('rejects updates that do not match the model, hold NaN, or claim no examples', () => {
    const global = state([0, 0, 0, 0], [0, 0]);
    const aggregator = new UpdateAggregator(global);
    const good = { weight: tf.zeros([2, 2]), bias: tf.zeros([2]) };
    expect(() => aggregator.add({ delta: { weight: good.weight }, exampleCount: 1 })).toThrow(
      /E_FEDERATED_UPDATE: the update does not match the model: missing bias/,
    );
    expect(() => aggregator.add({ delta: { ...good, extra: good.bias }, exampleCount: 1 })).toThrow(/unexpected extra/);
    expect(() => aggregator.add({ delta: { ...good, bias: good.weight }, exampleCount: 1 })).toThrow(
      /'bias' is float32 \[2,2\], the model's is float32 \[2\]/,
    );
    const poisoned = tf.tensor1d([Number.NaN, 0]);
    expect(() => aggregator.add({ delta: { ...good, bias: poisoned }, exampleCount: 1 })).toThrow(/non-finite/);
    expect(() => aggregator.add({ delta: good, exampleCount: 0 })).toThrow(/exampleCount must be a positive integer/);
    expect(() => aggregator.applyTo(global)).toThrow(/E_FEDERATED_ROUND: no client update/);
    expect(() => new UpdateAggregator(global, { maxUpdateNorm: -1 })).toThrow(
      /maxUpdateNorm must be a finite number > 0/,
    );
    tf.dispose([...Object.values(good), poisoned]);
    disposeState(global);
  });
});

describe('update helpers', () => {
  it('clips to the bound and keeps the direction', () => {
    const delta = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const { delta: clipped, norm, clipped: wasClipped } = clipUpdate(delta, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(wasClipped).toBe(true);
    expect(Array.from(clipped.a!.dataSync())).toEqual([expect.closeTo(0.6, 6), 0]);
    expect(Array.from(clipped.b!.dataSync())).toEqual([expect.closeTo(0.8, 6)]);
    tf.dispose([...Object.values(delta), ...Object.values(clipped)]);
  });

  it('flattens float entries in sorted name order and back', () => {
    const global = state([1, 2, 3, 4], [5, 6]);
    const flat = flattenState(global);
    expect(Array.from(flat)).toEqual([5, 6, 1, 2, 3, 4]); // bias before weight; int32 'steps' excluded
    const back = unflattenState(flat, global);
    expect(Object.keys(back).sort()).toEqual(['bias', 'weight']);
    expect(back.weight!.shape).toEqual([2, 2]);
    expect(() => unflattenState(new Float32Array(5), global)).toThrow(/a flat update of 5 values for a model of 6/);
    disposeState(back);
    disposeState(global);
  });
});

describe('proximalTerm (FedProx)', () => {
  it('adds μ(w − w_global) to each gradient', () => {
    const model = new Sequential(new Linear(2, 1));
    const initial = { '0.weight': tf.tensor2d([[1], [2]]), '0.bias': tf.tensor1d([0.5]) };
    model.loadStateDict(initial);
    tf.dispose(Object.values(initial));
    const anchor = { '0.weight': tf.tensor2d([[0], [4]]), '0.bias': tf.tensor1d([0.5]) };
    const gradients = { '0.weight': tf.tensor2d([[0.1], [0.1]]), '0.bias': tf.tensor1d([1]) };
    const transformed = proximalTerm(model, anchor, 0.5).apply(gradients, { step: 0 });
    expect(Array.from(transformed['0.weight']!.dataSync())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(-0.9, 6)]);
    expect(Array.from(transformed['0.bias']!.dataSync())).toEqual([1]);
    expect(() => proximalTerm(model, anchor, -1)).toThrow(/proximalStrength \(μ\) must be a finite number ≥ 0/);
    tf.dispose([...Object.values(anchor), ...Object.values(gradients), ...Object.values(transformed)]);
    model.dispose();
  });
});
