// What a user gets from npm, checked without the workspace: every package under packages/* is
// packed with `npm pack`, the tarballs are installed together into a fresh project in the system
// temp directory (third-party dependencies come from the npm cache or registry), and each package
// is loaded from ESM (`import`) and CommonJS (`require`) in separate Node processes. Both must
// expose the same named exports, including the ones listed below; core must compute a gradient on
// the wasm backend and the `tessera` executable must start. Needs `npm run build` first (turbo's
// test task builds the packages listed in this workspace's devDependencies).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repositoryRoot = resolve(import.meta.dirname, '../..');
const packagesDirectory = join(repositoryRoot, 'packages');

/** Exports each package must have; packages not listed only need ESM and CJS to agree. */
const knownExports = {
  '@tessera/core': ['TesseraError', 'initBackend', 'tf', 'Linear', 'Module'],
  '@tessera/trainers': ['Trainer', 'prepareRunDirectory'],
  '@tessera/transformer': ['GPT', 'CharacterTokenizer', 'generate'],
  '@tessera/vision': ['parseIdx', 'loadCifar10'],
  '@tessera/recsys': ['loadMovieLens100k', 'RatingMatrix'],
  '@tessera/federated': ['runFederatedAveraging'],
  '@tessera/cli': ['runCli', 'createProgram'],
};

// Found by listing, so a package added under packages/* is checked without editing this test.
const packages = readdirSync(packagesDirectory, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDirectory, entry.name, 'package.json')))
  .map((entry) => {
    const directory = join(packagesDirectory, entry.name);
    return { directory, manifest: JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) };
  })
  .filter(({ manifest }) => !manifest.private);

// npm run by turbo passes npm_* settings (workspace, prefix…) through the environment; the fresh
// project must see none of them.
const cleanEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
);
const npm = (args, cwd) =>
  run('npm', args, { cwd, env: cleanEnvironment, maxBuffer: 64 * 1024 * 1024, timeout: 480_000 });

const workspace = mkdtempSync(join(tmpdir(), 'tessera-pack-install-'));
const project = join(workspace, 'project');
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const names = packages.map(({ manifest }) => manifest.name);
const exportsProbe = (loader) => `
  const names = ${JSON.stringify(names)};
  const result = {};
  for (const name of names) {
    const loaded = ${loader};
    result[name] = Object.keys(loaded).filter((key) => key !== 'default' && key !== '__esModule').sort();
  }
  console.log(JSON.stringify(result));
`;

let esmExports;
let commonJsExports;

beforeAll(async () => {
  const unbuilt = packages.filter(({ directory }) => !existsSync(join(directory, 'dist')));
  if (unbuilt.length > 0) {
    throw new Error(
      `No dist/ in ${unbuilt.map(({ manifest }) => manifest.name).join(', ')}: run \`npm run build\` first.`,
    );
  }
  const tarballs = join(workspace, 'tarballs');
  mkdirSync(tarballs);
  mkdirSync(project);
  // One npm pack for all packages; --json lists the file each produced.
  const { stdout: packed } = await npm(
    ['pack', '--json', '--pack-destination', tarballs, ...names.flatMap((name) => ['--workspace', name])],
    repositoryRoot,
  );
  const files = JSON.parse(packed).map((entry) => join(tarballs, entry.filename));
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'fresh-project', private: true }, null, 2)}\n`,
  );
  // One install of every tarball together, so the packages' dependencies on each other resolve to
  // the tarballs rather than to the registry. --ignore-scripts: no package may need an install step
  // to be importable (native addons load lazily).
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...files], project);
  const esm = await run(process.execPath, ['--input-type=module', '-e', `${exportsProbe('await import(name)')}`], {
    cwd: project,
    env: cleanEnvironment,
    maxBuffer: 16 * 1024 * 1024,
  });
  esmExports = JSON.parse(esm.stdout.trim().split('\n').at(-1));
  const commonJs = await run(process.execPath, ['-e', exportsProbe('require(name)')], {
    cwd: project,
    env: cleanEnvironment,
    maxBuffer: 16 * 1024 * 1024,
  });
  commonJsExports = JSON.parse(commonJs.stdout.trim().split('\n').at(-1));
});

describe('packed packages installed into a fresh project', () => {
  it('installs every package under packages/* from its tarball, not from the workspace', () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const installed = join(project, 'node_modules', name, 'package.json');
      expect(existsSync(installed), `${name} missing in the fresh project`).toBe(true);
      // A tarball installs as a plain directory; a workspace link would point back into packages/.
      expect(resolve(join(project, 'node_modules', name))).not.toContain(packagesDirectory);
    }
  });

  it.each(names)('%s loads from ESM and CommonJS with the same named exports', (name) => {
    expect(esmExports[name]).toEqual(commonJsExports[name]);
    for (const exported of knownExports[name] ?? []) {
      expect(esmExports[name], `${name} ESM lacks ${exported}`).toContain(exported);
      expect(commonJsExports[name], `${name} CJS lacks ${exported}`).toContain(exported);
    }
  });

  it('computes a gradient with the installed core on the wasm backend, from ESM and from CommonJS', async () => {
    // d(x²)/dx at 3 = 6: gradients must be registered in the published build, in both formats.
    const probe = (loader) => `
      (async () => {
        const { initBackend, tf } = ${loader};
        await initBackend({ backend: 'wasm' });
        const gradient = tf.grad((x) => tf.square(x))(tf.scalar(3));
        console.log(JSON.stringify({ backend: tf.getBackend(), gradient: gradient.dataSync()[0] }));
      })();`;
    for (const [args, loader] of [
      [['--input-type=module', '-e'], "await import('@tessera/core')"],
      [['-e'], "require('@tessera/core')"],
    ]) {
      const { stdout } = await run(process.execPath, [...args, probe(loader)], { cwd: project, env: cleanEnvironment });
      expect(JSON.parse(stdout.trim().split('\n').at(-1))).toEqual({ backend: 'wasm', gradient: 6 });
    }
  });

  it('starts the installed `tessera` executable', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/tessera'), ['--help'], {
      cwd: project,
      env: cleanEnvironment,
    });
    expect(stdout).toMatch(/Usage: tessera/);
  });
});
