import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // Hooks that build or briefly train a model share 2 loaded cores in CI.
    hookTimeout: 60_000,
    // The gradient registrations are ESM with extensionless imports: let Vite, not Node, load them.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\//] } },
  },
});
