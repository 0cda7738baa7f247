import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.mjs'],
    // npm pack of every package plus one npm install from the local cache takes a minute or two.
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
