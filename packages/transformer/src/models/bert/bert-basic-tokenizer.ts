/**
 * BERT's basic tokenisation, the step before WordPiece: clean the text, optionally lower-case and
 * strip accents, and split it into words on whitespace, punctuation and CJK ideographs. It follows
 * Google BERT's `tokenization.py` and Hugging Face's `BasicTokenizer` rule for rule, including
 * Hugging Face's NFC normalisation. Everything works on code points, never on UTF-16 units, so a
 * character outside the Basic Multilingual Plane is one character, as it is in Python.
 */

import { splitOnWhitespace } from '../../tokenizers/split-on-whitespace.js';

// The code-point blocks of BERT's `_is_chinese_char`: CJK Unified Ideographs and their extensions
// and compatibility blocks. Hangul, Hiragana and Katakana are deliberately absent, as in BERT.
const cjkRanges: readonly (readonly [number, number])[] = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];

function codePointOf(character: string): number {
  return character.codePointAt(0) ?? -1;
}

/** BERT's `_is_whitespace`: space, tab, newline, carriage return, or Unicode category Zs. */
export function isWhitespaceCharacter(character: string): boolean {
  // Tab, newline and carriage return are control characters to Unicode; BERT counts them as whitespace.
  if (character === ' ' || character === '\t' || character === '\n' || character === '\r') return true;
  return /^\p{Zs}$/u.test(character);
}

/** BERT's `_is_control`: Unicode category C* (Cc, Cf, Cs, Co, Cn), except tab, newline and carriage return. */
export function isControlCharacter(character: string): boolean {
  if (character === '\t' || character === '\n' || character === '\r') return false;
  return /^\p{C}$/u.test(character);
}

/**
 * BERT's `_is_punctuation`: Unicode category P*, plus every non-alphanumeric printable ASCII
 * character (code points 33–47, 58–64, 91–96, 123–126).
 */
export function isPunctuationCharacter(character: string): boolean {
  const codePoint = codePointOf(character);
  // `$`, `+`, `<`, `^`, `` ` ``, `|`, `~` are Unicode symbols (S*), not punctuation; BERT splits on them
  // anyway so that all of ASCII behaves consistently.
  if (
    (codePoint >= 33 && codePoint <= 47) ||
    (codePoint >= 58 && codePoint <= 64) ||
    (codePoint >= 91 && codePoint <= 96) ||
    (codePoint >= 123 && codePoint <= 126)
  )
    return true;
  return /^\p{P}$/u.test(character);
}

/** BERT's `_is_chinese_char`: a code point in one of the CJK ideograph blocks BERT splits into single characters. */
export function isCjkCharacter(character: string): boolean {
  const codePoint = codePointOf(character);
  return cjkRanges.some(([first, last]) => codePoint >= first && codePoint <= last);
}

/** Options of {@link BertBasicTokenizer}; the defaults are those of `bert-base-uncased`. */
export interface BertBasicTokenizerOptions {
  /** Lower-case every word (and strip accents unless `stripAccents` is false). Default true. */
  lowerCase?: boolean;
  /** Strip accents: NFD, then drop combining marks (category Mn). Default: the value of `lowerCase`. */
  stripAccents?: boolean;
  /** Make every CJK ideograph a word of its own. Default true. */
  tokenizeChineseCharacters?: boolean;
  /** Make every punctuation character a word of its own. Default true. */
  splitOnPunctuation?: boolean;
  /** Whitespace-separated words kept exactly as written: not lower-cased, not split on punctuation. */
  neverSplit?: Iterable<string>;
}

/**
 * Splits text into words the way BERT does before WordPiece:
 * `" \tHeLLo!how  \n Are yoU?  "` → `["hello", "!", "how", "are", "you", "?"]`.
 */
export class BertBasicTokenizer {
  readonly lowerCase: boolean;
  readonly stripAccents: boolean;
  readonly tokenizeChineseCharacters: boolean;
  readonly splitOnPunctuation: boolean;
  readonly neverSplit: ReadonlySet<string>;

  constructor(options: BertBasicTokenizerOptions = {}) {
    this.lowerCase = options.lowerCase ?? true;
    // Hugging Face's `strip_accents=None` means "whatever lower-casing does"; uncased BERT strips them.
    this.stripAccents = options.stripAccents ?? this.lowerCase;
    this.tokenizeChineseCharacters = options.tokenizeChineseCharacters ?? true;
    this.splitOnPunctuation = options.splitOnPunctuation ?? true;
    this.neverSplit = new Set(options.neverSplit ?? []);
  }

  /** The words of `text`, in order. */
  tokenize(text: string): string[] {
    let cleaned = cleanText(text);
    if (this.tokenizeChineseCharacters) cleaned = spaceOutCjkCharacters(cleaned);
    // Hugging Face composes (NFC) here so that "e" + U+0301 and "é" give the same word when accents are kept.
    const words: string[] = [];
    for (let word of splitOnWhitespace(cleaned.normalize('NFC'))) {
      if (this.neverSplit.has(word)) {
        words.push(word);
        continue;
      }
      if (this.lowerCase) word = word.toLowerCase();
      if (this.stripAccents) word = removeAccents(word);
      if (this.splitOnPunctuation) words.push(...splitPunctuation(word));
      else words.push(word);
    }
    // Lower-casing or accent stripping can empty a word (a lone combining mark); re-splitting drops it.
    return splitOnWhitespace(words.join(' '));
  }
}

/** Drops U+0000, U+FFFD and control characters; turns every whitespace character into a space. */
function cleanText(text: string): string {
  let output = '';
  for (const character of text) {
    if (character === '\u0000' || character === '\uFFFD' || isControlCharacter(character)) continue;
    output += isWhitespaceCharacter(character) ? ' ' : character;
  }
  return output;
}

function spaceOutCjkCharacters(text: string): string {
  let output = '';
  for (const character of text) output += isCjkCharacter(character) ? ` ${character} ` : character;
  return output;
}

function removeAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/** `"can't."` → `["can", "'", "t", "."]`: every punctuation character alone, the runs between kept whole. */
function splitPunctuation(word: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const character of word) {
    if (isPunctuationCharacter(character)) {
      if (piece !== '') pieces.push(piece);
      pieces.push(character);
      piece = '';
    } else {
      piece += character;
    }
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}
