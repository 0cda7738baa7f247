import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// tfjs-core's gradient registrations ship only as ESM with extensionless imports, which Node
// cannot load; bundle that module (and the tfjs-core internals it reaches) into our build.
const noExternal = [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/];

function browserBuild(entry: Record<string, string>) {
  return packageBuild({
    entry,
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    shims: false,
    clean: false,
    treeshake: true,
    noExternal,
  });
}

export default defineConfig([
  packageBuild({ entry: ['src/index.ts', 'src/backend-entry.ts'], noExternal }),
  // The browser entry (package.json `exports` → `browser`): ESM only, for bundlers. `platform:
  // 'browser'` makes esbuild fail on any Node built-in it reaches; `treeshake` (Rollup) drops
  // named imports that only Node-side code used. `clean: false`: the Node build cleans `dist`.
  browserBuild({ browser: 'src/browser.ts' }),
  // `@tessera/core/backend`'s browser build, on its own so that neither file imports a shared chunk
  // (the fused ops it repeats hold no state: they look kernels up in tfjs's registry).
  browserBuild({ 'backend-browser': 'src/backend-portable.ts' }),
]);
