import { describe, expect, it } from 'vitest';
import { createRandomGenerator } from './random-generator.js';

describe('createRandomGenerator (PCG32)', () => {
  it('matches the PCG reference implementation (pcg32-demo, seed 42, sequence 54)', () => {
    // pcg-c-basic's pcg32-demo prints these first six outputs for pcg32_srandom(42, 54).
    const random = createRandomGenerator(42n, 54n);
    const outputs = Array.from({ length: 6 }, () => random.nextUint32().toString(16).padStart(8, '0'));
    expect(outputs).toEqual(['a15c02b7', '7b47f409', 'ba1d3330', '83d2f293', 'bfa4784b', 'cbed606e']);
  });

  it('is repeatable from a seed and restorable from its state', () => {
    const a = createRandomGenerator(7);
    const b = createRandomGenerator(7);
    expect(Array.from({ length: 5 }, () => a.nextFloat())).toEqual(Array.from({ length: 5 }, () => b.nextFloat()));
    a.nextNormal();
    const state = a.getState();
    const expected = [a.nextNormal(), a.nextInt(10), a.nextFloat()];
    const restored = createRandomGenerator(0);
    restored.setState(JSON.parse(JSON.stringify(state)));
    expect([restored.nextNormal(), restored.nextInt(10), restored.nextFloat()]).toEqual(expected);
  });

  it('draws uniform integers and standard normals with the right moments', () => {
    const random = createRandomGenerator(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[random.nextInt(6)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    let sum = 0;
    let sumOfSquares = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const value = random.nextNormal();
      sum += value;
      sumOfSquares += value * value;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sumOfSquares / n - 1)).toBeLessThan(0.03);
  });

  it('permutes without losing or repeating elements', () => {
    const permutation = createRandomGenerator(3).permutation(1000);
    expect(Array.from(permutation).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation.slice(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
