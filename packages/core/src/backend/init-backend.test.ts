import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES } from '@tessera/spec';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TesseraError } from '../errors.js';
import type { BackendAdapter } from './backend-adapter.js';
import './gradients.js';
import { BACKEND_SOURCES } from './backend-sources.js';
import { BACKEND_ENVIRONMENT_VARIABLE, createBackendInitializer, initBackend, listBackends } from './init-backend.js';
import { builtinBackendAdapters, packageBackendAdapter } from './package-adapters.js';

// Whether the optional @tessera/backend-torch (and its native addon) can be used on this machine:
// with it, `torch` is preferred over wasm; without it, wasm is the best available.
const torchAdapter = builtinBackendAdapters.find((adapter) => adapter.name === 'torch')!;
const torchAvailability = await torchAdapter.isAvailable();
const torchCudaAvailability = await builtinBackendAdapters
  .find((adapter) => adapter.name === 'torch-cuda')!
  .isAvailable();
// Likewise the optional @tessera/backend-webgpu on a hardware adapter (a software one is never preferred).
const webgpuAvailability = await builtinBackendAdapters.find((adapter) => adapter.name === 'webgpu')!.isAvailable();
const withoutNativeBackends = builtinBackendAdapters.filter(
  (adapter) => !adapter.name.startsWith('torch') && adapter.name !== 'webgpu',
);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('initBackend', () => {
  it('picks wasm as the best available backend when no native backend is installed', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, '');
    const info = await createBackendInitializer(withoutNativeBackends).initBackend();
    expect(info.name).toBe('wasm');
    expect(info.device).toBe('cpu');
    expect(info.selectedBy).toBe('preference');
    expect(info.reason).toContain('tensorflow-gpu, tensorflow');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.filledKernels).toEqual(
      expect.arrayContaining(['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter']),
    );
    expect(info.candidates.map((candidate) => candidate.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it.skipIf(!torchAvailability.available)('prefers torch over wasm when @tessera/backend-torch is usable', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, '');
    const info = await initBackend();
    const expected = torchCudaAvailability.available ? 'torch-cuda' : webgpuAvailability.available ? 'webgpu' : 'torch';
    expect(info.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(info.candidates.map((candidate) => candidate.name)).toEqual([
      'torch-cuda',
      'webgpu',
      'tensorflow-gpu',
      'tensorflow',
      'torch',
      'wasm',
      'cpu',
    ]);
    // torch implements the training kernels wasm lacks; nothing needs filling.
    expect(info.filledKernels).toEqual([]);
  });

  it('says why torch is unavailable and how to get it, when it is', async () => {
    const candidates = await listBackends();
    const torch = candidates.find((candidate) => candidate.name === 'torch')!;
    expect(torch.available).toBe(torchAvailability.available);
    if (!torch.available) expect(torch.detail).toMatch(/npm install @tessera\/backend-torch|LibTorch|npm rebuild/);
  });

  it(`honours ${BACKEND_ENVIRONMENT_VARIABLE}=cpu`, async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, 'cpu');
    const info = await initBackend();
    expect(info.name).toBe('cpu');
    expect(info.selectedBy).toBe('environment');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('prefers the explicit option over the environment variable', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, 'cpu');
    const info = await initBackend({ backend: 'wasm' });
    expect(info.name).toBe('wasm');
    expect(info.selectedBy).toBe('option');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('names the package to install when an unavailable backend is requested', async () => {
    const attempt = initBackend({ backend: 'tensorflow' });
    await expect(attempt).rejects.toBeInstanceOf(TesseraError);
    await expect(attempt).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE' });
    await expect(attempt).rejects.toThrow(/npm install @tensorflow\/tfjs-node\b/);
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, 'tensorflow-gpu');
    await expect(initBackend()).rejects.toThrow(/E_BACKEND_UNAVAILABLE.*TESSERA_BACKEND.*@tensorflow\/tfjs-node-gpu/);
  });

  it('rejects an unknown backend name, listing the valid ones', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, 'tensorflowjs');
    await expect(initBackend()).rejects.toThrow(
      /E_BACKEND_UNKNOWN: unknown backend 'tensorflowjs' \(from TESSERA_BACKEND\); choose one of: torch-cuda, webgpu, tensorflow-gpu, tensorflow, torch, wasm, cpu/,
    );
  });

  it('lists every backend with its availability', async () => {
    const backends = await listBackends();
    expect(backends.map((backend) => [backend.name, backend.available])).toEqual([
      ['torch-cuda', torchCudaAvailability.available],
      ['webgpu', webgpuAvailability.available],
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['torch', torchAvailability.available],
      ['wasm', true],
      ['cpu', true],
    ]);
  });
});

describe('createBackendInitializer', () => {
  const adapter = (
    name: BackendAdapter['name'],
    behaviour: 'works' | 'missing' | 'fails-to-start',
  ): BackendAdapter => ({
    name,
    device: 'cpu',
    packageName: `package-for-${name}`,
    tfjsBackendName: name === 'wasm' ? 'wasm' : 'cpu',
    isAvailable: async () => ({ available: behaviour !== 'missing', detail: behaviour }),
    activate: async () => {
      if (behaviour === 'fails-to-start') throw new Error('driver not found');
      await tf.setBackend(name === 'wasm' ? 'wasm' : 'cpu');
      return { filledKernels: [], overriddenKernels: [] };
    },
  });

  it('falls back to the next backend when a preferred one is present but cannot start', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, '');
    const initializer = createBackendInitializer([
      adapter('tensorflow-gpu', 'fails-to-start'),
      adapter('tensorflow', 'missing'),
      adapter('cpu', 'works'),
    ]);
    const info = await initializer.initBackend();
    expect(info.name).toBe('cpu');
    expect(info.candidates[0]).toMatchObject({ available: false, detail: 'failed to activate: driver not found' });
    expect(initializer.activeBackend()?.name).toBe('cpu');
  });

  it('asks by preference without, and for a named backend with, the explicit flag', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, '');
    const requests: (boolean | undefined)[] = [];
    // Like WebGPU on a software adapter: usable, but only when asked for by name.
    const onRequestOnly: BackendAdapter = {
      ...adapter('tensorflow-gpu', 'works'),
      isAvailable: async (request) => {
        requests.push(request?.explicit);
        return request?.explicit === true
          ? { available: true, detail: 'software adapter, as requested' }
          : { available: false, detail: 'software adapter: ask for it by name' };
      },
    };
    const initializer = createBackendInitializer([onRequestOnly, adapter('cpu', 'works')]);
    const byPreference = await initializer.initBackend();
    expect(byPreference.name).toBe('cpu');
    expect(byPreference.candidates[0]).toEqual({
      name: 'tensorflow-gpu',
      available: false,
      detail: 'software adapter: ask for it by name',
    });
    const byName = await initializer.initBackend({ backend: 'tensorflow-gpu' });
    expect(byName).toMatchObject({ name: 'tensorflow-gpu', selectedBy: 'option' });
    expect(byName.candidates).toEqual([
      { name: 'tensorflow-gpu', available: true, detail: 'software adapter, as requested' },
    ]);
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, 'tensorflow-gpu');
    expect(await initializer.initBackend()).toMatchObject({ name: 'tensorflow-gpu', selectedBy: 'environment' });
    expect(requests).toEqual([undefined, true, true]);
  });

  it('fails with every reason when nothing can be activated', async () => {
    vi.stubEnv(BACKEND_ENVIRONMENT_VARIABLE, '');
    const initializer = createBackendInitializer([adapter('tensorflow', 'missing'), adapter('cpu', 'fails-to-start')]);
    await expect(initializer.initBackend()).rejects.toThrow(
      /E_BACKEND_UNAVAILABLE: no backend could be activated: tensorflow \(missing\); cpu \(failed to activate: driver not found\)/,
    );
  });
});

describe('the backend contract', () => {
  const sourceRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

  it('knows every backend name of @tessera/spec, in its order of preference', () => {
    expect(builtinBackendAdapters.map((adapter) => adapter.name)).toEqual([...BACKEND_NAMES]);
  });

  it('names Tessera backend packages only in its list of sources (and the browser entry its one default)', () => {
    const files = readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    const naming = files.filter((file) => /@tessera\/backend-/.test(readFileSync(join(sourceRoot, file), 'utf8')));
    expect(naming.sort()).toEqual(['backend/backend-sources.ts', 'backend/init-browser-backend.ts']);
    const manifest = JSON.parse(readFileSync(join(sourceRoot, '..', 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const dependencies = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    );
    // The embedded default is installed with core; every other backend is the user's choice.
    expect(dependencies.filter((name) => name.startsWith('@tessera/'))).toEqual([
      '@tessera/backend-wasm',
      '@tessera/spec',
    ]);
  });

  it('reports an unknown name as not-found and a missing package as unavailable, both TesseraErrors', async () => {
    await expect(initBackend({ backend: 'tensorflowjs' as never })).rejects.toMatchObject({
      code: 'E_BACKEND_UNKNOWN',
      category: 'not-found',
    });
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toMatchObject({
      code: 'E_BACKEND_UNAVAILABLE',
      category: 'unavailable',
    });
  });
});

describe("package adapters and the contract's optional setPrecision", () => {
  it("wasm's package adapter has no setPrecision, loaded or not (its kernels are fp32 only)", async () => {
    const wasm = builtinBackendAdapters.find((adapter) => adapter.name === 'wasm')!;
    await wasm.isAvailable();
    expect(wasm.setPrecision).toBeUndefined(); // fp32 kernels only
    const proxy = packageBackendAdapter(BACKEND_SOURCES.find((candidate) => candidate.name === 'wasm')!);
    expect(proxy.setPrecision).toBeUndefined(); // not loaded yet
    await proxy.isAvailable();
    expect(proxy.setPrecision).toBeUndefined();
  });

  it.skipIf(!torchAvailability.available)(
    "torch's package adapter forwards setPrecision to @tessera/backend-torch's",
    async () => {
      expect(typeof torchAdapter.setPrecision).toBe('function');
      const torchPackage = (await import('@tessera/backend-torch' as string)) as {
        torchPrecision(): string;
      };
      torchAdapter.setPrecision!('bf16-mixed');
      expect(torchPackage.torchPrecision()).toBe('bf16-mixed');
      torchAdapter.setPrecision!('fp32');
      expect(torchPackage.torchPrecision()).toBe('fp32');
    },
  );
});
