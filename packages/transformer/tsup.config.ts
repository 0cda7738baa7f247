import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild(),
  // The browser entry (package.json `exports` → `browser`): ESM only, for bundlers. `platform:
  // 'browser'` makes esbuild fail on any Node built-in it reaches; `treeshake` (Rollup) drops the
  // named imports of @tessera/core that only Node-side code used (e.g. the exporters'
  // writeExportDirectory), which core's browser entry does not have. `clean: false`: the Node
  // build cleans `dist`.
  packageBuild({
    entry: { browser: 'src/browser.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    shims: false,
    clean: false,
    treeshake: true,
  }),
]);
