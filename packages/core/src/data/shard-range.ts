/**
 * Member `rank` of `worldSize`'s rows [start, end) of `length` rows: contiguous, as even as
 * possible, the first `length % worldSize` members one row longer. Data-parallel workers split
 * every batch this way (DataLoader's `shard` option, DataParallelGroup.shardRange).
 */
export function shardRange(length: number, rank: number, worldSize: number): { start: number; end: number } {
  const base = Math.floor(length / worldSize);
  const extra = length % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}
