import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// tfjs-core's gradient registrations ship only as ESM with extensionless imports, which Node
// cannot load; bundle that module (and the tfjs-core internals it reaches) into our build.
const noExternal = [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/];

export default defineConfig([
  packageBuild({ entry: ['src/index.ts', 'src/backend-entry.ts'], noExternal }),
  // The browser entry (package.json `exports` → `browser`): ESM only, for bundlers. `platform:
  // 'browser'` makes esbuild fail on any Node built-in it reaches; `treeshake` (Rollup) drops
  // named imports that only Node-side code used. `clean: false`: the Node build cleans `dist`.
  packageBuild({
    entry: { browser: 'src/browser.ts', 'backend-browser': 'src/backend-portable.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    shims: false,
    clean: false,
    treeshake: true,
    noExternal,
  }),
]);
