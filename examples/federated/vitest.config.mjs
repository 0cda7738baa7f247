import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // The smoke test starts a server and three client processes for two tiny rounds.
    testTimeout: 180_000,
  },
});
