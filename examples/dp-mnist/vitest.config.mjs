import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test runs a few private steps on a slice of MNIST in a child process.
    testTimeout: 180_000,
  },
});
