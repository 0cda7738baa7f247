import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test runs the whole example on a tiny generated data set in a child process.
    testTimeout: 180_000,
  },
});
