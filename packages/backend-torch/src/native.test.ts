import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTesseraError, TesseraError, tf } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import './index.js';
import { addonPath, loadNativeAddon, loadNativeAddonFrom } from './native.js';
import {
  CACHE_ENVIRONMENT_VARIABLE,
  emptyTorchCache,
  setTorchThreads,
  THREADS_ENVIRONMENT_VARIABLE,
  torchAvailability,
} from './register.js';
import { skipReason } from './test-support.js';
import type { TorchBackend } from './torch-backend.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('finding and loading the addon', () => {
  // CI installs LibTorch (.ci/run): there, an addon that did not build is a failure, not a skip.
  it.runIf(process.env.CI === 'true')('is built and loads when CI runs', () => {
    expect(torchAvailability('cpu').available, torchAvailability('cpu').detail).toBe(true);
  });

  it('explains a missing binary: what is missing and how to build it', () => {
    const result = loadNativeAddonFrom(join(packageRoot, 'no-such-dir', 'tessera_torch.node'));
    expect(result.addon).toBeUndefined();
    const detail = (result as { detail: string }).detail;
    expect(detail).toContain('no-such-dir/tessera_torch.node is missing');
    expect(detail).toMatch(/libtorch-dev.*LIBTORCH.*npm rebuild @tessera\/backend-torch.*npm install-scripts approve/);
  });

  it('is built wherever LibTorch can be found (so CI cannot silently skip the torch tests)', () => {
    const found = spawnSync(process.execPath, [join(packageRoot, 'scripts', 'find-libtorch.mjs')], {
      encoding: 'utf8',
    });
    if (found.status !== 0) {
      expect(found.stdout).toMatch(/LibTorch not found|LIBTORCH=/);
      expect(torchAvailability().available).toBe(false);
      return;
    }
    expect(JSON.parse(found.stdout).libraryDirectory).toBeTruthy();
    expect(existsSync(addonPath), `${addonPath} should have been built against ${found.stdout}`).toBe(true);
    expect(torchAvailability()).toMatchObject({ available: true, detail: expect.stringMatching(/^LibTorch \d/) });
  });

  it('skips the native build with one line, exit 0, when asked to', () => {
    const result = spawnSync(process.execPath, [join(packageRoot, 'scripts', 'build-native.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, TESSERA_TORCH_SKIP_BUILD: '1' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      '@tessera/backend-torch: native build skipped (TESSERA_TORCH_SKIP_BUILD=1)',
    ]);
  });
});

describe.skipIf(skipReason !== '')(`the native addon ${skipReason}`, () => {
  const addon = loadNativeAddon().addon!;

  it(`uses every core unless ${THREADS_ENVIRONMENT_VARIABLE} says otherwise`, () => {
    const configured = Number(process.env[THREADS_ENVIRONMENT_VARIABLE]);
    expect(addon.getNumThreads()).toBe(configured > 0 ? configured : availableParallelism());
  });

  it('gives OpenBLAS the same thread count as LibTorch (its own pool would contend with the caller)', () => {
    const threads = addon.getNumThreads();
    // -1: this LibTorch does not use OpenBLAS (MKL builds forward the count themselves).
    if (addon.getBlasThreads() === -1) return;
    expect(addon.getBlasThreads()).toBe(threads);
    setTorchThreads(1);
    expect(addon.getBlasThreads()).toBe(1);
    setTorchThreads(threads);
    expect(addon.getBlasThreads()).toBe(threads);
  });

  it('round-trips float32, int32 and bool; int64 results read as int32', async () => {
    await tf.setBackend('torch');
    const floats = tf.tensor2d([
      [1.5, -2],
      [3, 4.25],
    ]);
    const ints = tf.tensor1d([7, -3, 2 ** 30], 'int32');
    const bools = tf.tensor1d([true, false, true], 'bool');
    expect(floats.dataSync()).toEqual(new Float32Array([1.5, -2, 3, 4.25]));
    expect(ints.dataSync()).toEqual(new Int32Array([7, -3, 2 ** 30]));
    expect(bools.dataSync()).toEqual(new Uint8Array([1, 0, 1]));
    // argMax is int64 in ATen; tfjs sees int32.
    const indices = tf.argMax(floats, 1);
    expect(indices.dtype).toBe('int32');
    expect(indices.dataSync()).toEqual(new Int32Array([0, 1]));
    tf.dispose([floats, ints, bools, indices]);
  });

  it('counts shared storage once (views), and frees it when the last user is disposed', async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    const before = backend.memory();
    const x = tf.zeros([256, 256]); // 256 KiB
    const afterWrite = backend.memory();
    expect(afterWrite.nativeBytes - before.nativeBytes).toBe(256 * 256 * 4);
    const view = tf.reshape(x, [65536]); // a view: no new storage
    const transposed = tf.transpose(x); // also a view
    expect(backend.memory().nativeBytes).toBe(afterWrite.nativeBytes);
    expect(backend.memory().nativeTensors - before.nativeTensors).toBe(3);
    x.dispose();
    view.dispose();
    expect(backend.memory().nativeBytes).toBe(afterWrite.nativeBytes); // transposed still holds it
    transposed.dispose();
    expect(backend.memory()).toMatchObject({ nativeBytes: before.nativeBytes, nativeTensors: before.nativeTensors });
  });

  it('keeps freed blocks of 64 KiB and up for the next tensor of that size, and gives them back on emptyTorchCache', async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    emptyTorchCache();
    expect(backend.memory().nativeCachedBytes).toBe(0);
    const bytes = 300 * 1024; // page-rounded already
    const first = tf.fill([bytes / 4], 3);
    first.dispose();
    expect(backend.memory().nativeCachedBytes).toBe(bytes);
    // The next tensor of that size takes the cached block, and holds its own values, not the old ones.
    const second = tf.fill([bytes / 4], 5);
    expect(backend.memory().nativeCachedBytes).toBe(0);
    const values = second.dataSync();
    expect(values[0]).toBe(5);
    expect(values[values.length - 1]).toBe(5);
    // Small tensors are left to malloc.
    tf.ones([100]).dispose();
    expect(backend.memory().nativeCachedBytes).toBe(0);
    // A size a few elements off reuses the same page-rounded block.
    second.dispose();
    const nearly = tf.zeros([bytes / 4 - 3]);
    expect(backend.memory().nativeCachedBytes).toBe(0);
    expect(tf.sum(nearly).dataSync()[0]).toBe(0); // zeros written over the reused block
    nearly.dispose();
    emptyTorchCache();
    expect(backend.memory()).toMatchObject({ nativeCachedBytes: 0 });
  });

  it(`caps the cache at ${CACHE_ENVIRONMENT_VARIABLE} MiB, and is off at 0`, () => {
    const run = (value: string) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { isTesseraError, TesseraError, tf } from '@tessera/core';
           await import(${JSON.stringify(join(packageRoot, 'dist', 'index.js'))});
           await tf.setBackend('torch');
           const tensors = [1, 2, 3].map(() => tf.zeros([256 * 1024])); // 1 MiB each
           tf.dispose(tensors);
           console.log(tf.memory().nativeCachedBytes);`,
        ],
        { encoding: 'utf8', env: { ...process.env, [CACHE_ENVIRONMENT_VARIABLE]: value }, cwd: packageRoot },
      );
    const cached = (value: string) => {
      const result = run(value);
      expect(result.stderr).toBe('');
      return Number(result.stdout.trim());
    };
    expect(cached('2')).toBe(2 * 1024 * 1024); // the third block went back to the system
    expect(cached('0')).toBe(0);
    expect(cached('')).toBe(3 * 1024 * 1024); // default 1024 MiB
  });

  it('turns ATen errors into coded errors naming the operator, without a C++ backtrace', async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    const a = tf.ones([2, 3]);
    const b = tf.ones([4, 5]);
    const failing = () => backend.runKernel(() => backend.op('mm', '', [backend.idOf(a), backend.idOf(b)]));
    expect(failing).toThrow(
      /^E_TORCH_OPERATOR: aten::mm\. failed: .*(shapes cannot be multiplied|mat1 and mat2).*2x3.*4x5/,
    );
    expect(failing).not.toThrow(/frame #|Exception raised from/);
    expect(() => addon.resolve('aten::no_such_operator', '')).toThrow(/no ATen operator aten::no_such_operator/);
    expect(() => addon.read(1e6)).toThrow(/no tensor with id 1000000/);
    expect(() => tf.tensor(['a'])).toThrow(/E_TORCH_DTYPE: the torch backend does not support string tensors/);
    tf.dispose([a, b]);
  });

  it("raises core's TesseraError (one class, from @tessera/spec), with a category a server or CLI can act on", async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    const a = tf.ones([2, 3]);
    const b = tf.ones([4, 5]);
    let shapeError: unknown;
    try {
      backend.runKernel(() => backend.op('mm', '', [backend.idOf(a), backend.idOf(b)]));
    } catch (error) {
      shapeError = error;
    }
    expect(shapeError).toBeInstanceOf(TesseraError);
    expect(isTesseraError(shapeError, 'E_TORCH_OPERATOR')).toBe(true);
    expect(shapeError).toMatchObject({ name: 'TesseraError', category: 'internal' });
    let dtypeError: unknown;
    try {
      tf.tensor(['a']);
    } catch (error) {
      dtypeError = error;
    }
    expect(dtypeError).toBeInstanceOf(TesseraError);
    expect(dtypeError).toMatchObject({ code: 'E_TORCH_DTYPE', category: 'input' });
    tf.dispose([a, b]);
  });
});
