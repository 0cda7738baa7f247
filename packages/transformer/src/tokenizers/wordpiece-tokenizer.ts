import { TesseraError } from '@tessera/core';
import { splitOnWhitespace } from './split-on-whitespace.js';

/** Options of {@link WordPieceTokenizer}; the defaults are BERT's. */
export interface WordPieceTokenizerOptions {
  /** The token that stands for a word the vocabulary cannot spell. Default `[UNK]`. */
  unknownToken?: string;
  /** Words longer than this many characters (code points) become the unknown token. Default 100. */
  maxInputCharactersPerWord?: number;
  /** The prefix of pieces that continue a word. Default `##`. */
  continuationPrefix?: string;
}

/**
 * WordPiece as in BERT: each whitespace-separated word is split greedily, longest match first,
 * into pieces of the vocabulary, every piece after the first carrying the `##` prefix:
 * `"unwanted"` → `["un", "##want", "##ed"]`. A word that cannot be spelled completely becomes one
 * unknown token (not a partial spelling), as does a word longer than `maxInputCharactersPerWord`.
 */
export class WordPieceTokenizer {
  readonly unknownToken: string;
  readonly maxInputCharactersPerWord: number;
  readonly continuationPrefix: string;

  constructor(
    private readonly vocabulary: Pick<ReadonlySet<string>, 'has'>,
    options: WordPieceTokenizerOptions = {},
  ) {
    this.unknownToken = options.unknownToken ?? '[UNK]';
    this.maxInputCharactersPerWord = options.maxInputCharactersPerWord ?? 100;
    this.continuationPrefix = options.continuationPrefix ?? '##';
    if (!Number.isInteger(this.maxInputCharactersPerWord) || this.maxInputCharactersPerWord < 1)
      throw new TesseraError(
        'E_TOKENIZER_OPTIONS',
        `maxInputCharactersPerWord must be a positive integer, got ${this.maxInputCharactersPerWord}`,
      );
  }

  /** The pieces of every whitespace-separated word of `text`, in order. */
  tokenize(text: string): string[] {
    const pieces: string[] = [];
    for (const word of splitOnWhitespace(text)) pieces.push(...this.tokenizeWord(word));
    return pieces;
  }

  private tokenizeWord(word: string): string[] {
    // Indices are code points, so a piece never ends inside a surrogate pair.
    const characters = Array.from(word);
    if (characters.length > this.maxInputCharactersPerWord) return [this.unknownToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < characters.length) {
      let end = characters.length;
      let piece: string | undefined;
      while (start < end) {
        const candidate = (start > 0 ? this.continuationPrefix : '') + characters.slice(start, end).join('');
        if (this.vocabulary.has(candidate)) {
          piece = candidate;
          break;
        }
        end -= 1;
      }
      if (piece === undefined) return [this.unknownToken];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }
}
