import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Private training, rounds over sockets and worker processes share 2 loaded cores in CI: a
    // step that takes 1 s on an idle machine took over 5 s (vitest's default) beside other suites.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
