import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test runs the whole quickstart (a few optimizer steps per stage) in a child process.
    testTimeout: 180_000,
  },
});
