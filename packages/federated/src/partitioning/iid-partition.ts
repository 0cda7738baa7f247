import { createRandomGenerator, TesseraError } from '@tessera/core';
import { type ClientPartition, checkClientCount, checkSeed } from './partition.js';

export interface IidPartitionOptions {
  clientCount: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
}

/**
 * IID split (McMahan et al. 2017): shuffle the examples, then deal them into `clientCount` equal
 * parts (sizes differ by at most one, no example left out). MNIST with 100 clients gives each
 * 600 examples, as in the paper.
 */
export function partitionIid(exampleCount: number, options: IidPartitionOptions): ClientPartition {
  if (!Number.isSafeInteger(exampleCount) || exampleCount < 0) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `partitionIid: exampleCount must be a non-negative integer, got ${exampleCount}`,
    );
  }
  const clientCount = checkClientCount(options.clientCount, exampleCount, 'partitionIid');
  const order = createRandomGenerator(checkSeed(options.seed ?? 0, 'partitionIid')).permutation(exampleCount);
  return contiguousParts(order, clientCount);
}

/** `values` cut into `partCount` contiguous parts whose sizes differ by at most one (larger first). */
export function contiguousParts(values: Int32Array, partCount: number): Int32Array[] {
  const base = Math.floor(values.length / partCount);
  const larger = values.length % partCount;
  const parts: Int32Array[] = [];
  let start = 0;
  for (let part = 0; part < partCount; part++) {
    const size = base + (part < larger ? 1 : 0);
    parts.push(values.slice(start, start + size));
    start += size;
  }
  return parts;
}
