import type * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` the zero-copy kernels use (4.22). Tensors live
 * on the wasm heap; the C++ side finds them by an integer id registered with a byte offset, so a
 * region inside a tensor can be registered as a tensor of its own (a view, no copy).
 */
export interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, returnType: null, argumentTypes: string[]): (...parameters: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
    HEAPU8: Uint8Array;
  };
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

/** The byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: WasmBackendInternals, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/**
 * Registers float32 views (byte offset, element count) with the C++ side for the duration of
 * `use`, and unregisters them after (the memory belongs to the tensors they view: unregistering
 * frees nothing).
 */
export function withHeapViews<T>(
  backend: WasmBackendInternals,
  views: Array<[offset: number, size: number]>,
  use: (ids: number[]) => T,
): T {
  const ids: number[] = [];
  try {
    for (const [offset, size] of views) {
      const id = backend.dataIdNextNumber++;
      backend.wasm.tfjs.registerTensor(id, size, offset);
      ids.push(id);
    }
    return use(ids);
  } finally {
    for (const id of ids) backend.wasm.tfjs.disposeData(id);
  }
}
