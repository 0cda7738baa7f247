import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // SwiftShader emulates the GPU on the CPU: a training step of a tiny model takes about a second.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One emulated GPU at a time: files in parallel would only share the same 2 cores.
    fileParallelism: false,
    // The cpu backend (the reference every kernel is compared with) and tfjs-core's gradients.
    setupFiles: ['src/support/test-setup.ts'],
    // The gradient registrations are ESM with extensionless imports: let Vite, not Node, load them.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\//] } },
  },
});
