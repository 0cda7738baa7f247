import { deserializeSafetensors, serializeSafetensors, TesseraError, tf } from '@tessera/core';
import type { ModelState } from '../federated-averaging/model-state.js';

/** A model or an update as safetensors bytes, the format every tensor travels in. */
export function encodeState(state: ModelState, metadata: Record<string, string> = {}): Uint8Array {
  return serializeSafetensors(state, { metadata });
}

/** Tensors from safetensors bytes (the caller owns them); malformed bytes are E_SAFETENSORS_*. */
export function decodeState(bytes: Uint8Array): ModelState {
  return deserializeSafetensors(bytes).tensors;
}

const MASKED_INPUT = 'masked_input';

/** A masked vector over Z_{2^32} as safetensors: one I32 tensor holding the same 32-bit words. */
export function encodeMaskedInput(masked: Uint32Array): Uint8Array {
  const words = new Int32Array(masked.buffer, masked.byteOffset, masked.length);
  const tensor = tf.tensor1d(words, 'int32');
  try {
    return serializeSafetensors({ [MASKED_INPUT]: tensor });
  } finally {
    tensor.dispose();
  }
}

export function decodeMaskedInput(bytes: Uint8Array, expectedLength: number): Uint32Array {
  const { tensors } = deserializeSafetensors(bytes);
  try {
    const tensor = tensors[MASKED_INPUT];
    if (
      tensor === undefined ||
      Object.keys(tensors).length !== 1 ||
      tensor.dtype !== 'int32' ||
      tensor.size !== expectedLength
    ) {
      throw new TesseraError(
        'E_FEDERATED_MESSAGE',
        `a masked input must be one int32 tensor '${MASKED_INPUT}' of ${expectedLength} values`,
      );
    }
    const words = tensor.dataSync() as Int32Array;
    return new Uint32Array(words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength));
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
