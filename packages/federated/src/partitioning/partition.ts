import { TesseraError } from '@tessera/core';

/**
 * How a dataset is split among federated clients: entry k holds the dataset indices of client k's
 * examples. Pass each to core's `subset(dataset, indices)` to get the client's dataset.
 */
export type ClientPartition = Int32Array[];

export function checkClientCount(clientCount: unknown, exampleCount: number, what: string): number {
  if (typeof clientCount !== 'number' || !Number.isSafeInteger(clientCount) || clientCount < 1) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `${what}: clientCount must be a positive integer, got ${String(clientCount)}`,
    );
  }
  if (clientCount > exampleCount) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `${what}: ${clientCount} clients but only ${exampleCount} examples; every client needs at least one`,
    );
  }
  return clientCount;
}

export function checkSeed(seed: unknown, what: string): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TesseraError('E_PARTITION_OPTIONS', `${what}: seed must be a safe integer, got ${String(seed)}`);
  }
  return seed;
}

/** Class labels as non-negative integers; anything else is a clear error rather than a silent bucket. */
export function checkLabels(labels: ArrayLike<number>, what: string): Int32Array {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new TesseraError('E_PARTITION_LABELS', `${what}: labels must be an array of class indices`);
  }
  const checked = new Int32Array(labels.length);
  for (let index = 0; index < labels.length; index++) {
    const label = labels[index] as number;
    if (!Number.isInteger(label) || label < 0 || label > 2 ** 31 - 1) {
      throw new TesseraError(
        'E_PARTITION_LABELS',
        `${what}: label ${String(label)} at index ${index} is not a non-negative integer class index`,
      );
    }
    checked[index] = label;
  }
  return checked;
}

/**
 * How many examples of each class every client holds: `counts[client][label]`, with one column
 * per class from 0 to the largest label. Useful to inspect how skewed a partition is.
 */
export function labelCountsPerClient(labels: ArrayLike<number>, partition: ClientPartition): number[][] {
  const checked = checkLabels(labels, 'labelCountsPerClient');
  let classCount = 0;
  for (const label of checked) classCount = Math.max(classCount, label + 1);
  return partition.map((indices) => {
    const counts = new Array<number>(classCount).fill(0);
    for (const index of indices) {
      const label = checked[index];
      if (label === undefined) {
        throw new TesseraError(
          'E_PARTITION_LABELS',
          `labelCountsPerClient: index ${index} is outside the ${checked.length} labels`,
        );
      }
      counts[label] = (counts[label] as number) + 1;
    }
    return counts;
  });
}
