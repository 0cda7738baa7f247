import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    // Hooks that build or briefly train a model share 2 loaded cores in CI.
    hookTimeout: 30_000,
  },
});
