import { TesseraError } from '@tessera/core';

/**
 * `tokenizer.json` regexes are written for the Rust tokenizers crate, which compiles them with
 * Oniguruma. JavaScript's RegExp (`u` mode) reads most of them the same but not all: Node 20 has
 * no `(?i:…)` groups (Llama 3's and Qwen's patterns start with one), JS `\s` adds U+FEFF and
 * misses U+0085, `.` stops at `\r`, `^`/`$` differ, a lone `{` is a syntax error. This rewrites a
 * pattern into a JS source with Oniguruma's meaning, and refuses what it cannot express exactly
 * (atomic groups, possessive quantifiers, nested or intersected classes, multi-character case
 * folds are not emulated) rather than matching something else. Each rule was checked against the
 * Rust crate (the `tokenizers` npm bindings) in `oniguruma-pattern.test.ts`.
 */

const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE';
const HEX = '0-9A-Fa-f';
const WORD_CLASS = `[${WORD}]`;

/** Escapes outside a class: Oniguruma's meaning, written for JS. */
const ESCAPES: Record<string, string> = {
  s: '\\p{White_Space}',
  S: '\\P{White_Space}',
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: WORD_CLASS,
  W: `[^${WORD}]`,
  h: `[${HEX}]`,
  H: `[^${HEX}]`,
  b: `(?:(?<!${WORD_CLASS})(?=${WORD_CLASS})|(?<=${WORD_CLASS})(?!${WORD_CLASS}))`,
  B: `(?:(?<!${WORD_CLASS})(?!${WORD_CLASS})|(?<=${WORD_CLASS})(?=${WORD_CLASS}))`,
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  Z: '(?=\\n?(?![\\s\\S]))',
  n: '\\n',
  r: '\\r',
  t: '\\t',
  f: '\\f',
  v: '\\v',
  a: '\\x07',
  e: '\\x1B',
};

/** The same inside `[…]`, where only sets can go (no anchors, no complements of word/hex). */
const CLASS_ESCAPES: Record<string, string> = {
  s: '\\p{White_Space}',
  S: '\\P{White_Space}',
  d: '\\p{Nd}',
  D: '\\P{Nd}',
  w: WORD,
  h: HEX,
  n: '\\n',
  r: '\\r',
  t: '\\t',
  f: '\\f',
  v: '\\v',
  a: '\\x07',
  e: '\\x1B',
};

const POSIX_CLASSES: Record<string, string> = {
  alpha: '\\p{Alphabetic}',
  alnum: '\\p{Alphabetic}\\p{Nd}',
  digit: '\\p{Nd}',
  lower: '\\p{Lowercase}',
  upper: '\\p{Uppercase}',
  space: '\\p{White_Space}',
  blank: '\\t\\p{Zs}',
  punct: '\\p{P}\\p{S}',
  cntrl: '\\p{Cc}',
  word: WORD,
  xdigit: HEX,
};

/** Characters to escape for a JS `u` pattern; `-` only matters (and may only be escaped) inside a class. */
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const CLASS_SYNTAX = new Set([...SYNTAX, '-']);

/** Case folds of one character beyond its lower and upper case (Unicode simple folding). */
const EXTRA_FOLDS: Record<string, string> = { s: 'ſ', k: 'K', ſ: 's', K: 'k' };

function patternError(source: string, detail: string): TesseraError {
  const shown = source.length > 80 ? `${source.slice(0, 80)}…` : source;
  return new TesseraError('E_TOKENIZER_PATTERN', `regex ${JSON.stringify(shown)}: ${detail}`);
}

function literal(character: string): string {
  return SYNTAX.has(character) ? `\\${character}` : character;
}

function classLiteral(character: string): string {
  return CLASS_SYNTAX.has(character) ? `\\${character}` : character;
}

/** Every form `(?i:…)` makes `character` match (itself first). */
function caseVariants(character: string): string[] {
  const variants = new Set([character]);
  for (const other of [character.toLowerCase(), character.toUpperCase(), EXTRA_FOLDS[character]]) {
    if (other !== undefined && [...other].length === 1) variants.add(other);
  }
  return [...variants];
}

/** `\p{Name}`: a general category or binary property as JS names it, else Oniguruma's script shorthand. */
function property(negated: boolean, name: string, source: string): string {
  const letter = negated !== name.startsWith('^') ? 'P' : 'p';
  const bare = name.replace(/^\^/, '');
  for (const candidate of [bare, `Script=${bare}`]) {
    try {
      new RegExp(`\\p{${candidate}}`, 'u');
      return `\\${letter}{${candidate}}`;
    } catch {}
  }
  throw patternError(source, `unknown Unicode property \\p{${name}}`);
}

interface Escape {
  /** The JS text. */
  text: string;
  /** Characters consumed after the backslash. */
  length: number;
  /** A single character, which case folding may widen. */
  character?: string;
}

function readEscape(source: string, at: number, inClass: boolean): Escape {
  const rest = source.slice(at + 1);
  const next = rest.codePointAt(0);
  if (next === undefined) throw patternError(source, 'ends with a lone backslash');
  const character = String.fromCodePoint(next);
  const braced = /^([pP])\{([^}]*)\}/.exec(rest);
  if (braced !== null)
    return { text: property(braced[1] === 'P', braced[2] as string, source), length: braced[0].length };
  const codePoint = /^x\{([0-9A-Fa-f]{1,8})\}|^x([0-9A-Fa-f]{2})|^u([0-9A-Fa-f]{4})/.exec(rest);
  if (codePoint !== null) {
    const value = Number.parseInt((codePoint[1] ?? codePoint[2] ?? codePoint[3]) as string, 16);
    if (value > 0x10ffff) throw patternError(source, `code point ${value.toString(16)} is beyond Unicode`);
    const text = String.fromCodePoint(value);
    return { text: (inClass ? classLiteral : literal)(text), length: codePoint[0].length, character: text };
  }
  const table = inClass ? CLASS_ESCAPES : ESCAPES;
  const mapped = table[character];
  if (mapped !== undefined) return { text: mapped, length: 1 };
  if (/[1-9]/.test(character) && !inClass) return { text: `\\${character}`, length: 1 };
  if (/[A-Za-z0-9]/.test(character)) throw patternError(source, `\\${character} is not supported here`);
  return { text: (inClass ? classLiteral : literal)(character), length: character.length, character };
}

/** `[…]` from `at` (its `[`): the JS class text and the index after its `]`. */
function readClass(source: string, at: number, fold: boolean): { text: string; end: number } {
  let index = at + 1;
  let text = '[';
  if (source[index] === '^') {
    text += '^';
    index++;
  }
  let first = true;
  const members: string[] = [];
  while (index < source.length) {
    const character = String.fromCodePoint(source.codePointAt(index) as number);
    if (character === ']' && !first) {
      return { text: `${text}${members.join('')}]`, end: index + 1 };
    }
    first = false;
    if (character === '[') {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(source.slice(index));
      const set = posix === null ? undefined : POSIX_CLASSES[posix[2] as string];
      if (posix === null || set === undefined || posix[1] === '^') {
        throw patternError(source, 'nested character classes are not supported');
      }
      members.push(set);
      index += posix[0].length;
      continue;
    }
    if (character === '&' && source[index + 1] === '&') {
      throw patternError(source, 'character class intersections (&&) are not supported');
    }
    let single: string | undefined;
    let piece: string;
    if (character === '\\') {
      const escaped = readEscape(source, index, true);
      piece = escaped.text;
      single = escaped.character;
      index += 1 + escaped.length;
    } else {
      single = character;
      piece = classLiteral(character);
      index += character.length;
    }
    // A range a-z: fold both ends when the range is of ASCII letters in one case.
    if (single !== undefined && source[index] === '-' && source[index + 1] !== ']' && index + 1 < source.length) {
      let end = String.fromCodePoint(source.codePointAt(index + 1) as number);
      let endLength = end.length;
      if (end === '\\') {
        const escaped = readEscape(source, index + 1, true);
        if (escaped.character === undefined) throw patternError(source, 'a range ends in a set');
        end = escaped.character;
        endLength = 1 + escaped.length;
      }
      members.push(`${piece}-${classLiteral(end)}`);
      if (fold && /^[a-z]$/.test(single) && /^[a-z]$/.test(end)) {
        members.push(`${single.toUpperCase()}-${end.toUpperCase()}`);
      } else if (fold && /^[A-Z]$/.test(single) && /^[A-Z]$/.test(end)) {
        members.push(`${single.toLowerCase()}-${end.toLowerCase()}`);
      }
      index += 1 + endLength;
      continue;
    }
    members.push(fold && single !== undefined ? caseVariants(single).map(classLiteral).join('') : piece);
  }
  throw patternError(source, 'has an unterminated character class');
}

/** Rewrites an Oniguruma pattern into JS RegExp source (for the `u` flag) with the same matches. */
export function translateOnigurumaPattern(source: string): string {
  let out = '';
  const folds: boolean[] = [];
  let fold = false;
  let afterQuantifier = false;
  let index = 0;
  while (index < source.length) {
    const character = String.fromCodePoint(source.codePointAt(index) as number);
    const wasQuantifier: boolean = afterQuantifier;
    afterQuantifier = false;
    if (character === '\\') {
      const escaped = readEscape(source, index, false);
      if (escaped.text === '\\G') throw patternError(source, '\\G is not supported');
      out +=
        fold && escaped.character !== undefined
          ? `[${caseVariants(escaped.character).map(classLiteral).join('')}]`
          : escaped.text;
      index += 1 + escaped.length;
      continue;
    }
    switch (character) {
      case '[': {
        const parsed = readClass(source, index, fold);
        out += parsed.text;
        index = parsed.end;
        continue;
      }
      case '(': {
        const rest = source.slice(index);
        const prefix = /^\(\?(?:i:|:|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)|^\((?!\?)/.exec(rest)?.[0];
        if (prefix === undefined) throw patternError(source, `the group ${rest.slice(0, 4)}… is not supported`);
        folds.push(fold);
        if (prefix === '(?i:') fold = true;
        out += prefix === '(?i:' ? '(?:' : prefix;
        index += prefix.length;
        continue;
      }
      case ')':
        if (folds.length === 0) throw patternError(source, 'has an unmatched )');
        fold = folds.pop() as boolean;
        out += ')';
        index++;
        continue;
      case '{': {
        const quantifier = /^\{(\d+)(,(\d*))?\}|^\{,(\d+)\}/.exec(source.slice(index));
        if (quantifier === null) {
          out += '\\{';
          index++;
          continue;
        }
        out += quantifier[4] === undefined ? quantifier[0] : `{0,${quantifier[4]}}`;
        index += quantifier[0].length;
        afterQuantifier = true;
        continue;
      }
      case '*':
      case '+':
      case '?':
        if (wasQuantifier && character === '+') throw patternError(source, 'possessive quantifiers are not supported');
        if (wasQuantifier && character === '*') throw patternError(source, 'a quantifier repeats a quantifier');
        out += character;
        index++;
        afterQuantifier = character !== '?' || !wasQuantifier;
        continue;
      case '.':
        out += '[^\\n]';
        break;
      case '^':
        out += '(?:(?<![\\s\\S])|(?<=\\n))';
        break;
      case '$':
        out += '(?:(?=\\n)|(?![\\s\\S]))';
        break;
      case '|':
        out += '|';
        break;
      case ']':
      case '}':
      case '/':
        out += `\\${character}`;
        break;
      default:
        out += fold ? `[${caseVariants(character).map(classLiteral).join('')}]` : character;
        index += character.length;
        continue;
    }
    index++;
  }
  if (folds.length > 0) throw patternError(source, 'has an unclosed (');
  return out;
}

/** The pattern as a global, Unicode JS RegExp. */
export function compileOnigurumaPattern(source: string): RegExp {
  const translated = translateOnigurumaPattern(source);
  try {
    return new RegExp(translated, 'gu');
  } catch (error) {
    throw patternError(source, `does not compile: ${(error as Error).message}`);
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
