import { TesseraError } from '@tessera/core';
import { byteToCharacter, encodeWtf8, GPT2_PRETOKENIZE } from './byte-level.js';
import { ByteLevelBPETokenizer } from './byte-level-bpe-tokenizer.js';
import { learnMerges } from './learn-merges.js';

export interface TrainByteLevelBPEOptions {
  /** Final vocabulary size: special tokens + 256 bytes + merges. */
  vocabularySize: number;
  /** Given the first ids, in order (e.g. ['<|endoftext|>']). */
  specialTokens?: readonly string[];
  /** Stop merging when the most frequent pair occurs fewer times than this (default 2). */
  minimumFrequency?: number;
}

/**
 * Learns byte-level BPE merges from a corpus (Sennrich et al. 2016 on GPT-2's byte alphabet):
 * pre-tokenise like GPT-2, then repeatedly merge the most frequent adjacent pair, ties broken by
 * the pair's text so training is deterministic.
 */
export function trainByteLevelBPE(texts: Iterable<string>, options: TrainByteLevelBPEOptions): ByteLevelBPETokenizer {
  const specialTokens = options.specialTokens ?? [];
  const minimumFrequency = options.minimumFrequency ?? 2;
  const alphabetSize = specialTokens.length + 256;
  if (!(Number.isInteger(options.vocabularySize) && options.vocabularySize >= alphabetSize)) {
    throw new TesseraError(
      'E_TOKENIZER_TRAINING',
      `vocabularySize must be an integer ≥ ${alphabetSize} (special tokens + 256 bytes), got ${options.vocabularySize}`,
    );
  }
  // Distinct pre-tokens as symbol sequences, with how often each occurs.
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const match of text.matchAll(GPT2_PRETOKENIZE)) {
      const word = Array.from(encodeWtf8(match[0]), (byte) => byteToCharacter[byte] as string).join('\u0000');
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
    }
  }
  const words = [...wordCounts.keys()].map((word) => word.split('\u0000'));
  const merges = learnMerges(words, [...wordCounts.values()], {
    maximumMerges: options.vocabularySize - alphabetSize,
    minimumFrequency,
  });

  const vocabulary: Record<string, number> = {};
  const add = (token: string) => {
    if (!(token in vocabulary)) vocabulary[token] = Object.keys(vocabulary).length;
  };
  for (const token of specialTokens) add(token);
  for (const character of byteToCharacter) add(character);
  for (const [left, right] of merges) add(left + right);
  return new ByteLevelBPETokenizer(vocabulary, merges, { specialTokens });
}
