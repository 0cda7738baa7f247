import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // Trains a few steps, builds the page with Vite and drives headless Chromium: tens of seconds.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
