/**
 * BPE's merge step (Sennrich et al. 2016), shared by GPT-2's `ByteLevelBPETokenizer` and the
 * `tokenizer.json` BPE model: adjacent symbols are merged lowest rank first, the leftmost on a
 * tie, until no adjacent pair has a merge. A binary heap of candidate pairs makes one word
 * O(n log n) rather than the O(n²) of rescanning after every merge, so a hostile 100 000-letter
 * word costs milliseconds. The order is the Rust tokenizers crate's (`Word::merge_all`): a queued
 * pair whose neighbours have changed since is skipped, and new pairs with the merged symbol's
 * neighbours are queued.
 */
export class BytePairMerges {
  /** left → right → rank. Nested maps, so no separator character can make two pairs collide. */
  private readonly ranks = new Map<string, Map<string, number>>();
  private readonly combine: (left: string, right: string) => string;

  /**
   * @param pairs in rank order (rank = index); a pair listed twice keeps its last rank, as the crate does.
   * @param combine the symbol a merge makes (default `left + right`; a continuing-subword prefix strips `right`'s).
   */
  constructor(
    pairs: Iterable<readonly [string, string]>,
    combine: (left: string, right: string) => string = (left, right) => left + right,
  ) {
    let rank = 0;
    for (const [left, right] of pairs) {
      let row = this.ranks.get(left);
      if (row === undefined) {
        row = new Map();
        this.ranks.set(left, row);
      }
      row.set(right, rank++);
    }
    this.combine = combine;
  }

  rank(left: string, right: string): number | undefined {
    return this.ranks.get(left)?.get(right);
  }

  /** The merges in rank order, as `[left, right]` (a duplicated pair once, at its kept rank). */
  pairs(): Array<[string, string]> {
    const listed: Array<[number, string, string]> = [];
    for (const [left, row] of this.ranks) for (const [right, rank] of row) listed.push([rank, left, right]);
    return listed.sort((a, b) => a[0] - b[0]).map(([, left, right]) => [left, right]);
  }

  /** Merges `symbols` (one word's characters, bytes or byte tokens) into the word's tokens. */
  apply(symbols: readonly string[]): string[] {
    const count = symbols.length;
    if (count < 2) return [...symbols];
    const text = [...symbols];
    const previous = Int32Array.from({ length: count }, (_, index) => index - 1);
    const next = Int32Array.from({ length: count }, (_, index) => (index + 1 < count ? index + 1 : -1));
    const removed = new Uint8Array(count);
    const queue = new MergeQueue();
    const offer = (position: number) => {
      const right = next[position] as number;
      const rank = this.rank(text[position] as string, text[right] as string);
      if (rank !== undefined) queue.push(rank, position, this.combine(text[position] as string, text[right] as string));
    };
    for (let position = 0; position + 1 < count; position++) offer(position);
    for (let top = queue.pop(); top !== undefined; top = queue.pop()) {
      const position = top.position;
      const right = next[position] as number;
      if (removed[position] === 1 || right < 0) continue;
      // Skip an entry queued before a neighbour changed: the pair there now must make the same symbol.
      const left = text[position] as string;
      const current = text[right] as string;
      if (this.rank(left, current) === undefined || this.combine(left, current) !== top.merged) continue;
      text[position] = top.merged;
      removed[right] = 1;
      const after = next[right] as number;
      next[position] = after;
      if (after >= 0) previous[after] = position;
      if ((previous[position] as number) >= 0) offer(previous[position] as number);
      if (after >= 0) offer(position);
    }
    const merged: string[] = [];
    for (let position = 0; position >= 0; position = next[position] as number) merged.push(text[position] as string);
    return merged;
  }
}

interface QueuedMerge {
  rank: number;
  position: number;
  merged: string;
}

/** A binary min-heap on (rank, position). */
class MergeQueue {
  private readonly heap: QueuedMerge[] = [];

  push(rank: number, position: number, merged: string): void {
    const heap = this.heap;
    heap.push({ rank, position, merged });
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!before(heap[child] as QueuedMerge, heap[parent] as QueuedMerge)) break;
      [heap[child], heap[parent]] = [heap[parent] as QueuedMerge, heap[child] as QueuedMerge];
      child = parent;
    }
  }

  pop(): QueuedMerge | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && before(heap[left] as QueuedMerge, heap[smallest] as QueuedMerge)) smallest = left;
        if (right < heap.length && before(heap[right] as QueuedMerge, heap[smallest] as QueuedMerge)) smallest = right;
        if (smallest === parent) break;
        [heap[smallest], heap[parent]] = [heap[parent] as QueuedMerge, heap[smallest] as QueuedMerge];
        parent = smallest;
      }
    }
    return top;
  }
}

function before(a: QueuedMerge, b: QueuedMerge): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.position < b.position);
}
