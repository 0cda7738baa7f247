// The adapter on this machine's WebGPU: SwiftShader in CI (a software adapter), a GPU elsewhere.
// The tests through @tessera/core use this package's build (core imports it by name): `npm run build` first.
import * as tf from '@tensorflow/tfjs-core';
import { isTesseraError } from '@tessera/spec';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { gpuBytesInUse } from './support/test-helpers.js';
import { skipReason, webgpuAvailability } from './support/webgpu-test-environment.js';
import { activeWebgpuAdapter, backendAdapters, webgpuBackendAdapter } from './webgpu-backend-adapter.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the webgpu adapter, without a GPU', () => {
  it('is the package’s one adapter, a gpu device that tfjs knows as webgpu', () => {
    expect(backendAdapters).toEqual([webgpuBackendAdapter]);
    expect(webgpuBackendAdapter).toMatchObject({
      name: 'webgpu',
      device: 'gpu',
      packageName: '@tessera/backend-webgpu',
      tfjsBackendName: 'webgpu',
    });
  });

  it('never throws from isAvailable, and says why when it is unavailable', async () => {
    for (const request of [undefined, { explicit: true }]) {
      const availability = await webgpuBackendAdapter.isAvailable(request);
      expect(typeof availability.available).toBe('boolean');
      expect(availability.detail.length).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(skipReason !== '')(`the webgpu adapter on this machine's adapter ${skipReason}`, () => {
  let software = false;

  beforeAll(async () => {
    const activation = await webgpuBackendAdapter.activate();
    expect(activation).toEqual({ filledKernels: [], overriddenKernels: ['AddN'] });
    software = activeWebgpuAdapter()!.software;
  });

  it('makes webgpu the active tfjs backend, which computes', async () => {
    expect(webgpuAvailability.available).toBe(true);
    await tf.setBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const product = tf.matMul(tf.ones([64, 32]), tf.fill([32, 16], 0.5));
    expect(Array.from(await product.data())).toEqual(new Array(64 * 16).fill(16));
    product.dispose();
    // GPU memory is reported, for the tests that keep it flat.
    expect(typeof gpuBytesInUse()).toBe('number');
  });

  it('reports the adapter, and on a software one says so and how to ask for it', async () => {
    const adapter = activeWebgpuAdapter()!;
    const byPreference = await webgpuBackendAdapter.isAvailable();
    const byName = await webgpuBackendAdapter.isAvailable({ explicit: true });
    expect(byName.available).toBe(true);
    if (software) {
      expect(byPreference.available).toBe(false);
      expect(byPreference.detail).toMatch(
        /software .*never chosen automatically; ask for it with initBackend\(\{ backend: 'webgpu' \}\) or TESSERA_BACKEND=webgpu/,
      );
      expect(byName.detail).toMatch(/, software, through .*asked for by name/);
    } else {
      expect(byPreference).toEqual(byName);
      expect(byName.detail).toContain('hardware');
    }
    expect(byName.detail).toContain(adapter.vendor);
  });

  it('fails a synchronous read of GPU data in Node with a TesseraError that says what to do', async () => {
    await tf.setBackend('webgpu');
    // Large enough for tfjs to compute it on the GPU (small inputs stay on the CPU).
    const onGpu = tf.add(tf.ones([4096]), 1);
    let caught: unknown;
    try {
      onGpu.dataSync();
    } catch (error) {
      caught = error;
    }
    expect(isTesseraError(caught, 'E_WEBGPU_SYNC_READ')).toBe(true);
    expect((caught as Error).message).toContain('await tensor.data()');
    expect((await onGpu.data())[4095]).toBe(2);
    const onCpu = tf.tensor1d([1, 2, 3]);
    expect(Array.from(onCpu.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([onGpu, onCpu]);
  });

  it('is chosen through @tessera/core when named, and by preference only on a hardware adapter', async () => {
    const { initBackend } = await import('@tessera/core');
    const named = await initBackend({ backend: 'webgpu' });
    expect(named).toMatchObject({ name: 'webgpu', device: 'gpu', tfjsBackendName: 'webgpu', selectedBy: 'option' });
    expect(named.overriddenKernels).toContain('AddN');
    expect(named.candidates).toHaveLength(1);
    expect(named.candidates[0]!.detail).toContain(software ? 'software' : 'hardware');
    vi.stubEnv('TESSERA_BACKEND', 'webgpu');
    expect(await initBackend()).toMatchObject({ name: 'webgpu', selectedBy: 'environment' });
    vi.stubEnv('TESSERA_BACKEND', '');
    const byPreference = await initBackend();
    const candidate = byPreference.candidates.find((entry) => entry.name === 'webgpu')!;
    expect(candidate.available).toBe(!software);
    if (software) {
      expect(byPreference.name).not.toBe('webgpu');
      expect(candidate.detail).toMatch(/software .*never chosen automatically/);
    }
  });
});
