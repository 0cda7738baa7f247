import { TesseraError } from '@tessera/core';
import { learnMerges } from '../../tokenizers/learn-merges.js';
import { BertBasicTokenizer } from './bert-basic-tokenizer.js';
import { BertTokenizer, type BertTokenizerOptions, defaultBertSpecialTokens } from './bert-tokenizer.js';

export interface TrainWordPieceOptions extends Omit<BertTokenizerOptions, 'specialTokens'> {
  /** Final vocabulary size: special tokens + alphabet (with its `##` forms) + merges. */
  vocabularySize: number;
  /** Given the first ids, in order. Default `[PAD] [UNK] [CLS] [SEP] [MASK]` (Hugging Face's order). */
  specialTokens?: readonly string[];
  /** Stop merging when the most frequent pair occurs fewer times than this (default 2). */
  minimumFrequency?: number;
  /** Keep only the most frequent characters (default 1000); words with others are not learned from. */
  alphabetLimit?: number;
}

const CONTINUATION = '##';

/**
 * Learns a WordPiece vocabulary the way Hugging Face's `BertWordPieceTokenizer.train` does: BERT's
 * basic tokenisation into words, then BPE merges over characters where every non-initial symbol
 * carries the `##` continuation prefix, so that `t ##h ##e` merges into `the` and `##i ##n ##g`
 * into `##ing`. The vocabulary is the special tokens, the alphabet (each character alone and as
 * `##c`), then every merge result; it encodes with the usual greedy longest-match WordPiece.
 */
export function trainWordPiece(texts: Iterable<string>, options: TrainWordPieceOptions): BertTokenizer {
  const specialTokens = options.specialTokens ?? [
    defaultBertSpecialTokens.padding,
    defaultBertSpecialTokens.unknown,
    defaultBertSpecialTokens.classification,
    defaultBertSpecialTokens.separator,
    defaultBertSpecialTokens.mask,
  ];
  if (!specialTokens.includes(defaultBertSpecialTokens.unknown))
    throw new TesseraError('E_TOKENIZER_TRAINING', `specialTokens must include '${defaultBertSpecialTokens.unknown}'`);
  const minimumFrequency = options.minimumFrequency ?? 2;
  const alphabetLimit = options.alphabetLimit ?? 1000;
  const basicTokenizer = new BertBasicTokenizer(options);

  const wordCounts = new Map<string, number>();
  const characterCounts = new Map<string, number>();
  for (const text of texts) {
    for (const word of basicTokenizer.tokenize(text)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  }
  for (const [word, count] of wordCounts) {
    for (const character of word) characterCounts.set(character, (characterCounts.get(character) ?? 0) + count);
  }
  // The most frequent characters, ties by code point, as Hugging Face's limit_alphabet.
  const alphabet = [...characterCounts]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, alphabetLimit)
    .map(([character]) => character)
    .sort();
  const known = new Set(alphabet);

  const words: string[][] = [];
  const counts: number[] = [];
  const continuations = new Set<string>();
  for (const [word, count] of wordCounts) {
    const characters = Array.from(word);
    if (characters.length > (options.maxInputCharactersPerWord ?? 100)) continue; // encoded as [UNK] anyway
    if (!characters.every((character) => known.has(character))) continue;
    const symbols = characters.map((character, index) => (index === 0 ? character : CONTINUATION + character));
    for (const symbol of symbols.slice(1)) continuations.add(symbol);
    words.push(symbols);
    counts.push(count);
  }
  // Each character alone, and in its `##` form where it continues some word (Hugging Face's trainer too).
  const alphabetTokens = [...alphabet, ...[...continuations].sort()];
  const baseSize = specialTokens.length + alphabetTokens.length;
  if (!(Number.isInteger(options.vocabularySize) && options.vocabularySize >= baseSize)) {
    throw new TesseraError(
      'E_TOKENIZER_TRAINING',
      `vocabularySize must be an integer ≥ ${baseSize} (special tokens + ${alphabet.length} characters and ` +
        `their continuation forms), got ${options.vocabularySize}; lower alphabetLimit for a smaller vocabulary`,
    );
  }
  const merges = learnMerges(words, counts, {
    maximumMerges: options.vocabularySize - baseSize,
    minimumFrequency,
    combine: (left, right) => left + right.slice(CONTINUATION.length),
  });

  const vocabulary: string[] = [];
  const seen = new Set<string>();
  const add = (token: string) => {
    if (seen.has(token)) return;
    seen.add(token);
    vocabulary.push(token);
  };
  for (const token of [...specialTokens, ...alphabetTokens]) add(token);
  for (const [left, right] of merges) add(left + right.slice(CONTINUATION.length));
  const {
    vocabularySize: _size,
    minimumFrequency: _frequency,
    alphabetLimit: _limit,
    specialTokens: _special,
    ...tokenizerOptions
  } = options;
  // Custom special tokens stay whole when they appear in text, like the five BERT ones.
  return new BertTokenizer(vocabulary, {
    ...tokenizerOptions,
    neverSplit: [...(options.neverSplit ?? []), ...specialTokens],
  });
}
