import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test pretrains and fine-tunes a few steps on a slice of the corpus in a child process.
    testTimeout: 180_000,
  },
});
