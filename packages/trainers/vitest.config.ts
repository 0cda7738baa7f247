import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // These tests run the built package and whole training runs in child processes.
    testTimeout: 60_000,
    // Hooks that build or briefly train a model share 2 loaded cores in CI.
    hookTimeout: 60_000,
  },
});
