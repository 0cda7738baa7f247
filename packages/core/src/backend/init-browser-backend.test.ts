import { describe, expect, it } from 'vitest';
// Through the browser entry, which also registers the gradients.
import { activeBrowserBackend, initBrowserBackend, isTesseraError, tf, WASM_BINARY_NAMES } from '../browser.js';

// The browser initializer runs in Node too (both backends are plain JavaScript / WebAssembly), so
// its choices and errors are tested here; the page test (examples/browser-generate) runs it in Chromium.
describe('initBrowserBackend', () => {
  it('rejects malformed options with a stable code, before touching tfjs', async () => {
    await expect(initBrowserBackend({ backend: 'tensorflow' as never })).rejects.toSatisfy((error) =>
      isTesseraError(error, 'E_BACKEND_UNKNOWN'),
    );
    await expect(initBrowserBackend({ wasmPaths: '/tfjs-wasm' })).rejects.toThrow(/must end with '\/'/);
    await expect(
      initBrowserBackend({ wasmPaths: { 'tfjs-backend-wasm.wasm': '/a.wasm' } as never, fallbackToCpu: true }),
    ).rejects.toThrow(/no URL for tfjs-backend-wasm-simd\.wasm, tfjs-backend-wasm-threaded-simd\.wasm/);
    await expect(initBrowserBackend({ wasmPaths: { 'backend.wasm': '/a.wasm' } as never })).rejects.toSatisfy((error) =>
      isTesseraError(error, 'E_BACKEND_OPTION'),
    );
    expect(activeBrowserBackend()).toBeUndefined();
  });

  it('activates cpu and reports it like initBackend does', async () => {
    const info = await initBrowserBackend({ backend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ name: 'cpu', tfjsBackendName: 'cpu', device: 'cpu', selectedBy: 'option' });
    expect(info.candidates).toEqual([expect.objectContaining({ name: 'cpu', available: true })]);
    expect(activeBrowserBackend()).toBe(info);
  });

  it('activates wasm by default, with the kernels training needs filled', async () => {
    const info = await initBrowserBackend();
    expect(tf.getBackend()).toBe('wasm');
    expect(info.name).toBe('wasm');
    // tfjs-backend-wasm 4.22 lacks the gradient of gather; Tessera registers it (as initBackend does).
    expect(info.filledKernels).toContain('UnsortedSegmentSum');
    expect(WASM_BINARY_NAMES).toHaveLength(3);
    // A backward pass through an embedding lookup works on it.
    const table = tf.variable(tf.ones([4, 2]));
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.gather(x, tf.tensor1d([1, 1, 3], 'int32'))))(table);
    expect(Array.from(gradient.dataSync())).toEqual([0, 0, 2, 2, 0, 0, 1, 1]);
    tf.dispose([table, gradient]);
  });
});
