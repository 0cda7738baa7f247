import { createRandomGenerator, TesseraError } from '@tessera/core';
import { apportion, sampleDirichlet } from './dirichlet-sample.js';
import { type ClientPartition, checkClientCount, checkLabels, checkSeed } from './partition.js';

export interface DirichletPartitionOptions {
  clientCount: number;
  /**
   * Concentration α of the Dirichlet prior over clients, per class. Small α (0.1) gives each
   * client a few dominant classes; large α (100) approaches an IID split.
   */
  concentration: number;
  /** Every client gets at least this many examples; the split is redrawn until it holds (default 1). */
  minimumExamplesPerClient?: number;
  /** How many draws to try before giving up (default 100). */
  maxAttempts?: number;
  /** Seed of the draws and of the order within each class (default 0). */
  seed?: number;
}

/**
 * Label-skewed split with a Dirichlet prior (Hsu et al. 2019, "Measuring the effects of
 * non-identical data distribution"): for every class c, draw proportions p_c ~ Dir(α · 1_K) over
 * the K clients and give client k a share p_c,k of class c's examples (shuffled, rounded by
 * largest remainder, so no example is left out). Each client's indices are returned in
 * ascending order.
 */
export function partitionByDirichlet(labels: ArrayLike<number>, options: DirichletPartitionOptions): ClientPartition {
  const checked = checkLabels(labels, 'partitionByDirichlet');
  const clientCount = checkClientCount(options.clientCount, checked.length, 'partitionByDirichlet');
  const concentration = options.concentration;
  if (typeof concentration !== 'number' || !(concentration > 0) || !Number.isFinite(concentration)) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `partitionByDirichlet: concentration must be a finite number > 0 (e.g. 0.5), got ${String(concentration)}`,
    );
  }
  const minimum = options.minimumExamplesPerClient ?? 1;
  const maxAttempts = options.maxAttempts ?? 100;
  if (!Number.isSafeInteger(minimum) || minimum < 0 || minimum * clientCount > checked.length) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `partitionByDirichlet: minimumExamplesPerClient must be an integer in [0, ${Math.floor(checked.length / clientCount)}], got ${String(minimum)}`,
    );
  }
  const random = createRandomGenerator(checkSeed(options.seed ?? 0, 'partitionByDirichlet'));
  const byClass = new Map<number, number[]>();
  checked.forEach((label, index) => {
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [index]);
    else members.push(index);
  });
  const classes = [...byClass.keys()].sort((left, right) => left - right);

  let smallest = 0;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const assigned: number[][] = Array.from({ length: clientCount }, () => []);
    for (const label of classes) {
      const members = random.shuffle([...(byClass.get(label) as number[])]);
      const counts = apportion(members.length, sampleDirichlet(clientCount, concentration, random));
      let offset = 0;
      counts.forEach((count, client) => {
        (assigned[client] as number[]).push(...members.slice(offset, offset + count));
        offset += count;
      });
    }
    smallest = Math.min(...assigned.map((indices) => indices.length));
    if (smallest >= minimum) return assigned.map((indices) => Int32Array.from(indices).sort());
  }
  throw new TesseraError(
    'E_PARTITION_DIRICHLET',
    `partitionByDirichlet: after ${maxAttempts} draws some client still had fewer than ${minimum} examples ` +
      `(last draw: ${smallest}); raise the concentration, use fewer clients, or lower minimumExamplesPerClient`,
  );
}
