import { createRandomGenerator, TesseraError } from '@tessera/core';
import { contiguousParts } from './iid-partition.js';
import { type ClientPartition, checkClientCount, checkLabels, checkSeed } from './partition.js';

export interface LabelShardPartitionOptions {
  clientCount: number;
  /** Shards each client receives (default 2, the paper's setting). */
  shardsPerClient?: number;
  /** Seed of the shard assignment (default 0). */
  seed?: number;
}

/**
 * McMahan et al.'s pathological non-IID split: sort the examples by label, cut them into
 * `clientCount · shardsPerClient` shards of consecutive examples, and give every client
 * `shardsPerClient` shards at random. With MNIST, 100 clients and 2 shards each (200 shards of
 * 300) most clients see only two digits. Shard sizes differ by at most one when the counts do
 * not divide evenly; no example is left out.
 */
export function partitionByLabelShards(
  labels: ArrayLike<number>,
  options: LabelShardPartitionOptions,
): ClientPartition {
  const checked = checkLabels(labels, 'partitionByLabelShards');
  const shardsPerClient = options.shardsPerClient ?? 2;
  if (!Number.isSafeInteger(shardsPerClient) || shardsPerClient < 1) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `partitionByLabelShards: shardsPerClient must be a positive integer, got ${String(shardsPerClient)}`,
    );
  }
  const clientCount = checkClientCount(options.clientCount, checked.length, 'partitionByLabelShards');
  const shardCount = clientCount * shardsPerClient;
  if (shardCount > checked.length) {
    throw new TesseraError(
      'E_PARTITION_OPTIONS',
      `partitionByLabelShards: ${shardCount} shards (${clientCount} clients × ${shardsPerClient}) but only ` +
        `${checked.length} examples; use fewer clients or fewer shards per client`,
    );
  }
  // Stable sort by label: ties keep dataset order, so the split is a pure function of (labels, seed).
  const byLabel = Int32Array.from(checked.keys()).sort((left, right) => {
    const difference = (checked[left] as number) - (checked[right] as number);
    return difference !== 0 ? difference : left - right;
  });
  const shards = contiguousParts(byLabel, shardCount);
  const shardOrder = createRandomGenerator(checkSeed(options.seed ?? 0, 'partitionByLabelShards')).permutation(
    shardCount,
  );
  const partition: ClientPartition = [];
  for (let client = 0; client < clientCount; client++) {
    const owned = Array.from(
      shardOrder.subarray(client * shardsPerClient, (client + 1) * shardsPerClient),
      (shard) => shards[shard] as Int32Array,
    );
    const indices = new Int32Array(owned.reduce((total, shard) => total + shard.length, 0));
    let offset = 0;
    for (const shard of owned) {
      indices.set(shard, offset);
      offset += shard.length;
    }
    partition.push(indices);
  }
  return partition;
}
