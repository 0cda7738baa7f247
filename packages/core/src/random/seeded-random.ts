import { createRandomGenerator } from './random-generator.js';

/** Seeded floats in [0, 1) from Tessera's generator, so every random test case is reproducible. */
export function seededRandom(seed: number): () => number {
  const generator = createRandomGenerator(seed);
  return () => generator.nextFloat();
}

/** An integer in [low, high] drawn from `random`. */
export function randomInteger(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
