import { mergePair } from './byte-level.js';

export interface LearnMergesOptions {
  /** Stop after this many merges. */
  maximumMerges: number;
  /** Stop when the most frequent pair occurs fewer times than this. */
  minimumFrequency: number;
  /** The symbol a merge produces (BPE: `left + right`; WordPiece drops the right side's `##`). */
  combine?: (left: string, right: string) => string;
}

/**
 * The BPE merge loop shared by the byte-level and WordPiece trainers (Sennrich et al. 2016):
 * repeatedly merge the most frequent adjacent pair, ties broken by the pair's text so training
 * is deterministic. Pair counts are updated incrementally, visiting only the words that contain
 * the merged pair. `words` (distinct words as symbol sequences, each occurring `counts[i]`
 * times) are merged in place; the merges come back in order.
 */
export function learnMerges(
  words: string[][],
  counts: readonly number[],
  options: LearnMergesOptions,
): Array<[string, string]> {
  const combine = options.combine ?? ((left: string, right: string) => left + right);
  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  // Symbols never contain U+0000 (the byte-level alphabet is printable; basic tokenisation drops controls).
  const key = (left: string, right: string) => `${left}\u0000${right}`;
  const addPairs = (index: number, sign: 1 | -1) => {
    const symbols = words[index] as string[];
    for (let i = 0; i < symbols.length - 1; i++) {
      const pair = key(symbols[i] as string, symbols[i + 1] as string);
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + sign * (counts[index] as number));
      if (sign > 0) {
        const containing = pairWords.get(pair) ?? new Set<number>();
        containing.add(index);
        pairWords.set(pair, containing);
      }
    }
  };
  for (let index = 0; index < words.length; index++) addPairs(index, 1);

  const merges: Array<[string, string]> = [];
  while (merges.length < options.maximumMerges) {
    let best: string | undefined;
    let bestCount = 0;
    for (const [pair, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && count > 0 && best !== undefined && pair < best)) {
        best = pair;
        bestCount = count;
      }
    }
    if (best === undefined || bestCount < options.minimumFrequency) break;
    const [left, right] = best.split('\u0000') as [string, string];
    merges.push([left, right]);
    const merged = combine(left, right);
    for (const index of pairWords.get(best) ?? []) {
      addPairs(index, -1);
      words[index] = mergePair(words[index] as string[], left, right, merged);
      addPairs(index, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
  }
  return merges;
}
