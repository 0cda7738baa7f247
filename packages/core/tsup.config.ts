import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` (used to resolve optional peer backends) in the CommonJS build.
  shims: true,
  // tfjs-core's gradient registrations ship only as ESM with extensionless imports, which Node
  // cannot load; bundle that module (and the tfjs-core internals it reaches) into our build.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
});
