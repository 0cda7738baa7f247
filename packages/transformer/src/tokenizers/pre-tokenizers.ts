import { byteToCharacter } from './byte-level.js';
import {
  checkDepth,
  componentType,
  expectArray,
  expectPattern,
  expectString,
  formatError,
  type JsonObject,
  optionalBoolean,
  unsupported,
} from './json-fields.js';
import { compileOnigurumaPattern, escapeRegExp } from './oniguruma-pattern.js';

/**
 * A piece of text on its way to the model. `atStart` is true when it begins at the start of the
 * original input: Metaspace's `prepend_scheme: "first"` adds its `▁` only there (the crate asks
 * whether the piece's original offset is 0).
 */
export interface Piece {
  text: string;
  atStart: boolean;
}

/** A `tokenizer.json` pre-tokenizer: each piece becomes zero or more pieces (empty ones are dropped). */
export type PreTokenizer = (pieces: Piece[]) => Piece[];

const SUPPORTED = [
  'Sequence',
  'Split',
  'ByteLevel',
  'Metaspace',
  'Digits',
  'Whitespace',
  'WhitespaceSplit',
  'Punctuation',
] as const;

type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
const BEHAVIORS: readonly SplitBehavior[] = [
  'Removed',
  'Isolated',
  'MergedWithPrevious',
  'MergedWithNext',
  'Contiguous',
];

/** GPT-2's pattern as the crate's ByteLevel pre-tokenizer compiles it (Oniguruma's `\s`, not JS's). */
const BYTE_LEVEL_PATTERN = compileOnigurumaPattern(
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
);
const WHITESPACE_PATTERN = compileOnigurumaPattern('\\w+|[^\\w\\s]+');
/** Rust's `char::is_ascii_punctuation() || char::is_punctuation()`. */
const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/gu;
const NUMERIC = /\p{N}/gu;
const WHITESPACE = /\p{White_Space}+/gu;

const utf8 = new TextEncoder();

/** Spans of `text`, each a match of `pattern` or the text between matches, in order (the crate's find_matches). */
function findMatches(text: string, pattern: RegExp): Array<{ start: number; end: number; isMatch: boolean }> {
  const spans: Array<{ start: number; end: number; isMatch: boolean }> = [];
  let previous = 0;
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    if (start > previous) spans.push({ start: previous, end: start, isMatch: false });
    spans.push({ start, end: start + match[0].length, isMatch: true });
    previous = start + match[0].length;
  }
  if (previous < text.length) spans.push({ start: previous, end: text.length, isMatch: false });
  return spans;
}

/** The crate's NormalizedString::split: which spans become pieces, and how delimiters join them. */
export function splitText(text: string, pattern: RegExp, behavior: SplitBehavior, invert = false): string[] {
  const spans = findMatches(text, pattern).map((span) => (invert ? { ...span, isMatch: !span.isMatch } : span));
  const kept: Array<{ start: number; end: number }> = [];
  let previousMatch = false;
  switch (behavior) {
    case 'Removed':
      for (const span of spans) if (!span.isMatch) kept.push(span);
      break;
    case 'Isolated':
      for (const span of spans) kept.push(span);
      break;
    case 'MergedWithPrevious':
      for (const span of spans) {
        const last = kept.at(-1);
        if (span.isMatch && !previousMatch && last !== undefined) last.end = span.end;
        else kept.push({ ...span });
        previousMatch = span.isMatch;
      }
      break;
    case 'MergedWithNext':
      for (const span of [...spans].reverse()) {
        const last = kept.at(-1);
        if (span.isMatch && !previousMatch && last !== undefined) last.start = span.start;
        else kept.push({ ...span });
        previousMatch = span.isMatch;
      }
      kept.reverse();
      break;
    case 'Contiguous':
      spans.forEach((span, index) => {
        const last = kept.at(-1);
        if (index > 0 && span.isMatch === previousMatch && last !== undefined) last.end = span.end;
        else kept.push({ ...span });
        previousMatch = span.isMatch;
      });
      break;
  }
  return kept.map(({ start, end }) => text.slice(start, end)).filter((piece) => piece !== '');
}

/** Splits every piece; the first sub-piece of a piece at the start is still at the start. */
function splitEach(pieces: Piece[], split: (piece: Piece) => string[]): Piece[] {
  return pieces.flatMap((piece) =>
    (piece.text === '' ? [] : split(piece))
      .filter((text) => text !== '')
      .map((text, index) => ({ text, atStart: piece.atStart && index === 0 })),
  );
}

function behaviorOf(value: unknown, path: string, fallback: SplitBehavior): SplitBehavior {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (BEHAVIORS as readonly string[]).includes(value)) return value as SplitBehavior;
  throw formatError(path, `one of ${BEHAVIORS.join(', ')}`, value);
}

/** The bytes of the text as GPT-2's printable characters (lone surrogates become U+FFFD's bytes, as in UTF-8). */
export function toByteLevelCharacters(text: string): string {
  let characters = '';
  for (const byte of utf8.encode(text)) characters += byteToCharacter[byte];
  return characters;
}

function metaspace(fields: JsonObject, path: string): PreTokenizer {
  const replacement = expectString(fields.replacement ?? '▁', `${path}.replacement`);
  if ([...replacement].length !== 1) throw formatError(`${path}.replacement`, 'one character', replacement);
  let scheme = fields.prepend_scheme;
  if (scheme === undefined || scheme === null) {
    scheme = optionalBoolean(fields.add_prefix_space, `${path}.add_prefix_space`, true) ? 'always' : 'never';
  }
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never') {
    throw formatError(`${path}.prepend_scheme`, '"always", "first" or "never"', scheme);
  }
  const split = optionalBoolean(fields.split, `${path}.split`, true);
  const splitter = new RegExp(escapeRegExp(replacement), 'gu');
  return (pieces) =>
    splitEach(pieces, (piece) => {
      let text = piece.text.split(' ').join(replacement);
      const prepend = scheme === 'always' || (scheme === 'first' && piece.atStart);
      if (prepend && !text.startsWith(replacement)) text = replacement + text;
      return split ? splitText(text, splitter, 'MergedWithNext') : [text];
    });
}

/** Builds the pre-tokenizer `tokenizer.json`'s `pre_tokenizer` describes (null: none). */
export function parsePreTokenizer(value: unknown, path = 'pre_tokenizer', depth = 0): PreTokenizer | undefined {
  if (value === null || value === undefined) return undefined;
  checkDepth(depth, path);
  const { type, fields } = componentType(value, path);
  switch (type) {
    case 'Sequence': {
      const steps = expectArray(fields.pretokenizers, `${path}.pretokenizers`).map((step, index) =>
        parsePreTokenizer(step, `${path}.pretokenizers[${index}]`, depth + 1),
      );
      return (pieces) => steps.reduce((current, step) => (step === undefined ? current : step(current)), pieces);
    }
    case 'Split': {
      const pattern = expectPattern(fields.pattern, `${path}.pattern`);
      const behavior = behaviorOf(fields.behavior, `${path}.behavior`, 'Isolated');
      const invert = optionalBoolean(fields.invert, `${path}.invert`, false);
      if (pattern.kind === 'string' && pattern.source === '') return (pieces) => pieces;
      const regex =
        pattern.kind === 'regex'
          ? compileOnigurumaPattern(pattern.source)
          : new RegExp(escapeRegExp(pattern.source), 'gu');
      return (pieces) => splitEach(pieces, (piece) => splitText(piece.text, regex, behavior, invert));
    }
    case 'ByteLevel': {
      const addPrefixSpace = optionalBoolean(fields.add_prefix_space, `${path}.add_prefix_space`, true);
      const useRegex = optionalBoolean(fields.use_regex, `${path}.use_regex`, true);
      return (pieces) =>
        splitEach(pieces, (piece) => {
          const text = addPrefixSpace && !piece.text.startsWith(' ') ? ` ${piece.text}` : piece.text;
          return useRegex ? splitText(text, BYTE_LEVEL_PATTERN, 'Isolated') : [text];
        }).map((piece) => ({ ...piece, text: toByteLevelCharacters(piece.text) }));
    }
    case 'Metaspace':
      return metaspace(fields, path);
    case 'Digits': {
      const individual = optionalBoolean(fields.individual_digits, `${path}.individual_digits`, false);
      return (pieces) =>
        splitEach(pieces, (piece) => splitText(piece.text, NUMERIC, individual ? 'Isolated' : 'Contiguous'));
    }
    case 'Whitespace':
      return (pieces) => splitEach(pieces, (piece) => splitText(piece.text, WHITESPACE_PATTERN, 'Removed', true));
    case 'WhitespaceSplit':
      return (pieces) => splitEach(pieces, (piece) => splitText(piece.text, WHITESPACE, 'Removed'));
    case 'Punctuation': {
      const behavior = behaviorOf(fields.behavior, `${path}.behavior`, 'Isolated');
      return (pieces) => splitEach(pieces, (piece) => splitText(piece.text, PUNCTUATION, behavior));
    }
    default:
      throw unsupported(path, `pre-tokenizer type ${JSON.stringify(type.slice(0, 40))}`, SUPPORTED);
  }
}
