import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The cpu backend (the reference every kernel is compared with) and tfjs-core's gradients.
    setupFiles: ['src/support/test-setup.ts'],
    // The gradient registrations are ESM with extensionless imports: let Vite, not Node, load them.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\//] } },
  },
});
