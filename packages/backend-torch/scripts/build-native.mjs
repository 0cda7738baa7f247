// Builds the native addon with node-gyp when LibTorch can be found, and otherwise says so in one
// line and exits 0: a machine without LibTorch must still install and build the package (the
// backend then reports itself unavailable). Run by the `build` script (turbo, CI) and by the
// `install` script (published installs; npm 11 runs it only once the user approves it).
// Set TESSERA_TORCH_SKIP_BUILD=1 to skip it on purpose.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibTorch } from './find-libtorch.mjs';

const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = '@tessera/backend-torch:';

if (process.env.TESSERA_TORCH_SKIP_BUILD === '1') {
  console.log(`${prefix} native build skipped (TESSERA_TORCH_SKIP_BUILD=1)`);
  process.exit(0);
}
const libtorch = findLibTorch();
if ('error' in libtorch) {
  console.log(`${prefix} native build skipped: ${libtorch.error}; the 'torch' backend will be unavailable`);
  process.exit(0);
}

/** npm's own node-gyp (no download), else one on PATH. */
function nodeGypCommand() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  const script = candidates.find((candidate) => existsSync(candidate));
  return script === undefined ? ['node-gyp'] : [process.execPath, script];
}

const incremental = process.argv.includes('--incremental') && existsSync(join(packageDirectory, 'build', 'Makefile'));
const [command, ...prefixArguments] = nodeGypCommand();
const gypArguments = [...prefixArguments, incremental ? 'build' : 'rebuild'];
// Node's headers ship with Debian/Ubuntu nodejs at /usr/include/node; elsewhere node-gyp fetches them.
if (process.env.npm_config_nodedir === undefined && existsSync('/usr/include/node/node_api.h')) {
  gypArguments.push('--nodedir=/usr');
}
console.log(`${prefix} building the native addon against ${libtorch.source}`);
const result = spawnSync(command, gypArguments, { cwd: packageDirectory, stdio: 'inherit' });
if (result.status !== 0) {
  console.log(
    `${prefix} native build failed (exit ${result.status ?? result.signal}); the 'torch' backend will be unavailable. ` +
      'Fix the compiler error above and run `npm rebuild @tessera/backend-torch`.',
  );
  // A failed native build must not fail `npm install`; in this repository's CI, the tests see
  // the missing addon and report it (see src/native.test.ts).
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
