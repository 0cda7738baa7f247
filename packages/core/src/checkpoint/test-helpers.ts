import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

/** Helpers shared by the checkpoint tests; written independently of the code under test. */

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '../..');

/** The shared tiny GPT-2 checkpoint (Hugging Face layout, float32) beside the checkout. */
export const TINY_GPT2_PATH = join(packageRoot, '../../../shared/fixtures/tiny-gpt2/model.safetensors');

/** Outputs of fixtures/make-reference.py (numpy). */
export const REFERENCE_DIRECTORY = join(here, 'fixtures');

export interface ReferenceTensor {
  dtype: string;
  shape: number[];
  float32_bits?: number[];
  values?: number[];
  input_float32_bits?: number[];
  stored_bits?: number[];
}

export interface ReferenceExpectations {
  metadata: Record<string, string>;
  tensors: Record<string, ReferenceTensor>;
}

export function referenceExpectations(): ReferenceExpectations {
  return JSON.parse(readFileSync(join(REFERENCE_DIRECTORY, 'reference-expected.json'), 'utf8'));
}

/** Parses a safetensors header by hand: u64 length, then JSON. */
export interface RawTensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function rawHeader(bytes: Uint8Array): { length: number; header: Record<string, RawTensorEntry> } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const length = Number(buffer.readBigUInt64LE(0));
  return { length, header: JSON.parse(buffer.subarray(8, 8 + length).toString('utf8')) };
}

/**
 * Assembles a safetensors file from a header (object or raw JSON text) and data bytes, without
 * validation, so tests can build malformed files. `headerLength` overrides the length prefix.
 */
export function rawSafetensors(header: unknown, data: ArrayLike<number> = [], headerLength?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return new Uint8Array(Buffer.concat([prefix, json, Buffer.from(Uint8Array.from(data))]));
}

/** A float32 tensor's values as uint32 bit patterns (so NaN payloads and -0 compare exactly). */
export function float32Bits(tensor: tf.Tensor): number[] {
  const values = tensor.dataSync() as Float32Array;
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

export function tensorFromFloat32Bits(bits: number[], shape: number[]): tf.Tensor {
  return tf.tensor(new Float32Array(Uint32Array.from(bits).buffer), shape, 'float32');
}

export function disposeAll(tensors: Record<string, tf.Tensor>): void {
  for (const tensor of Object.values(tensors)) tensor.dispose();
}
