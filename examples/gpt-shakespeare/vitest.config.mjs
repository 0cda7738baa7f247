import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test trains a few steps, then samples from the saved model, in child processes.
    testTimeout: 180_000,
  },
});
