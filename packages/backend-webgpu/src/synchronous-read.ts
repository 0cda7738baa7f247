import { TesseraError } from '@tessera/spec';

/** The parts of tfjs-backend-webgpu's WebGPUBackend this guard touches. */
interface WebgpuBackendInternals {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string } | undefined };
}

const guarded = new WeakSet<object>();

/**
 * tfjs-backend-webgpu reads GPU data synchronously (`dataSync()`, `arraySync()`) through an
 * OffscreenCanvas, which only browsers have: in Node that fails with "OffscreenCanvas is not
 * defined", and Dawn has no blocking read-back to replace it. This replaces the failure with one
 * that says what to do. Data still on the CPU (small tensors tfjs has not uploaded) reads as before.
 * Returns whether the guard was installed (false in a browser, where synchronous reads work).
 */
export function guardSynchronousReads(backend: object): boolean {
  if ((globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== undefined) return false;
  if (guarded.has(backend)) return true;
  const internals = backend as WebgpuBackendInternals;
  const readSync = internals.readSync.bind(backend);
  internals.readSync = (dataId: object) => {
    const data = internals.tensorMap.get(dataId);
    if (data === undefined || data.values != null || data.dtype === 'string') return readSync(dataId);
    throw new TesseraError(
      'E_WEBGPU_SYNC_READ',
      'a tensor on the GPU cannot be read synchronously in Node (dataSync(), arraySync(), bufferSync()): Dawn has no blocking read-back; use await tensor.data() or await tensor.array()',
      { category: 'unavailable' },
    );
  };
  guarded.add(backend);
  return true;
}
