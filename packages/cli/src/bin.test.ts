import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The built `tessera` executable, run the way a user runs it. */

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(packageRoot, 'dist/bin.js');
const torchBuilt = existsSync(join(packageRoot, '../backend-torch/build/Release/tessera_torch.node'));

function tessera(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: packageRoot,
    env: { ...process.env, TESSERA_BACKEND: '' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tessera', () => {
  it('backend --json reports the most preferred available backend and every candidate', () => {
    const { status, stdout } = tessera('backend', '--json');
    expect(status).toBe(0);
    const info = JSON.parse(stdout);
    const candidates = info.candidates as { name: string; available: boolean }[];
    expect(candidates.map((candidate) => candidate.name)).toEqual([
      'torch-cuda',
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'torch',
      'wasm',
      'cpu',
    ]);
    // torch when the monorepo's backend-torch addon is built (CI installs LibTorch), else wasm.
    expect(info.name).toBe(torchBuilt ? 'torch' : 'wasm');
    expect(info.name).toBe(candidates.find((candidate) => candidate.available)?.name);
  });

  it('backend prints a readable report that says how to get the other backends', () => {
    const { status, stdout } = tessera('backend');
    expect(status).toBe(0);
    expect(stdout).toMatch(torchBuilt ? /^active: torch \(cpu\)/ : /^active: wasm \(cpu\)/);
    expect(stdout).toContain('npm install @tensorflow/tfjs-node');
    expect(stdout).toContain('TESSERA_BACKEND');
  });

  it('an unavailable backend is a one-line error and exit code 1, not a stack trace', () => {
    const { status, stdout, stderr } = tessera('backend', '--backend', 'tensorflow');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^tessera: E_BACKEND_UNAVAILABLE: .*npm install @tensorflow\/tfjs-node/);
  });

  it('--help lists the commands and --version prints the package version', () => {
    expect(tessera('--help').stdout).toMatch(/backend \[options\]\s+show the active backend/);
    expect(tessera('backend', '--help').stdout).toContain('--backend <name>');
    expect(tessera('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the executable npm links', () => {
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };

  it('is a committed file outside dist/, shipped in the package', () => {
    // npm ci links bins before anything is built, so the target must exist in a fresh clone.
    const target = manifest.bin.tessera as string;
    expect(target).toBe('./bin/tessera.js');
    expect(existsSync(join(packageRoot, target))).toBe(true);
    expect(manifest.files).toContain('bin');
  });

  it('npx tessera --help works from the repository root, as the quickstart runs it', () => {
    const result = spawnSync('npx', ['tessera', '--help'], {
      cwd: join(packageRoot, '../..'),
      // Offline and never installing: a missing link must fail here, not fetch npm's other `tessera`.
      env: { ...process.env, TESSERA_BACKEND: '', npm_config_yes: 'false', npm_config_offline: 'true' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tessera/);
    expect(result.stdout).toMatch(/serve \[options\] <export-dir>/);
  });

  it('without a build it says, in one line, how to build, and exits 1', () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'tessera-unbuilt-cli-'));
    try {
      mkdirSync(join(unbuilt, 'bin'));
      copyFileSync(join(packageRoot, 'bin/tessera.js'), join(unbuilt, 'bin/tessera.js'));
      writeFileSync(join(unbuilt, 'package.json'), JSON.stringify({ type: 'module' }));
      const result = spawnSync(process.execPath, [join(unbuilt, 'bin/tessera.js'), '--help'], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('run `npx turbo build --filter=@tessera/cli` first');
    } finally {
      rmSync(unbuilt, { recursive: true, force: true });
    }
  });
});

describe('every Tessera package', () => {
  const packages = ['core', 'trainers', 'transformer', 'vision', 'recsys', 'federated', 'cli'].map(
    (name) => `@tessera/${name}`,
  );

  it('loads from its built output under ESM import and CommonJS require', () => {
    const script = (load: (name: string) => string) =>
      `${packages.map((name, i) => `const m${i} = ${load(name)};`).join('\n')}\nconsole.log('loaded');`;
    const esm = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script((name) => `await import('${name}')`)],
      {
        cwd: packageRoot,
        encoding: 'utf8',
      },
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('loaded');
    const cjs = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script((name) => `require('${name}')`)], {
      cwd: packageRoot,
      encoding: 'utf8',
    });
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('loaded');
  });
});
