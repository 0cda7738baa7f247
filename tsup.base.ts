import type { Options } from 'tsup';

/**
 * The build every Tessera package shares: ESM + CommonJS + declarations for Node 20, with
 * `import.meta.url` shimmed in the CommonJS output. Packages add what is theirs.
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    shims: true,
    ...overrides,
  };
}
