import { TesseraError } from '@tessera/core';
import { MAX_TOKEN_ID } from './bpe-model.js';
import { expectArray, expectIndex, expectObject, expectString, optionalBoolean } from './json-fields.js';
import type { Normalizer } from './normalizers.js';

/** One entry of `tokenizer.json`'s `added_tokens`. */
export interface AddedToken {
  id: number;
  content: string;
  /** Matched only where no letter, digit or `_` touches it. */
  singleWord: boolean;
  /** The whitespace before it is part of the match (and so dropped). */
  leftStrip: boolean;
  /** The whitespace after it is part of the match. */
  rightStrip: boolean;
  /** Matched in the normalized text (else in the raw text, before normalization). */
  normalized: boolean;
  /** Skipped by `decode(ids, { skipSpecialTokens: true })`. */
  special: boolean;
}

export function parseAddedTokens(value: unknown, path = 'added_tokens'): AddedToken[] {
  if (value === undefined || value === null) return [];
  return expectArray(value, path).map((entry, index) => {
    const where = `${path}[${index}]`;
    const fields = expectObject(entry, where);
    const content = expectString(fields.content, `${where}.content`);
    if (content === '') throw new TesseraError('E_TOKENIZER_FORMAT', `${where}.content is empty`);
    const special = optionalBoolean(fields.special, `${where}.special`, false);
    return {
      id: expectIndex(fields.id, `${where}.id`, MAX_TOKEN_ID),
      content,
      singleWord: optionalBoolean(fields.single_word, `${where}.single_word`, false),
      leftStrip: optionalBoolean(fields.lstrip, `${where}.lstrip`, false),
      rightStrip: optionalBoolean(fields.rstrip, `${where}.rstrip`, false),
      normalized: optionalBoolean(fields.normalized, `${where}.normalized`, !special),
      special,
    };
  });
}

/** A stretch of input: an added token's id, or text for the normalizer, pre-tokenizer and model. */
export type Segment = { id: number } | { text: string; atStart: boolean };

interface TrieNode {
  children: Map<string, TrieNode>;
  token?: AddedToken;
}

const WORD_CHARACTER = /[\p{Alphabetic}\p{N}_]/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;
const LEADING_WHITESPACE = /^\p{White_Space}+/u;

/** Finds added tokens in text leftmost-longest, as the crate's Aho-Corasick automaton does. */
class TokenMatcher {
  private readonly root: TrieNode = { children: new Map() };
  readonly empty: boolean;

  constructor(entries: ReadonlyArray<readonly [string, AddedToken]>) {
    for (const [pattern, token] of entries) {
      if (pattern === '') continue;
      let node = this.root;
      for (const unit of pattern) {
        let child = node.children.get(unit);
        if (child === undefined) {
          child = { children: new Map() };
          node.children.set(unit, child);
        }
        node = child;
      }
      node.token ??= token;
    }
    this.empty = this.root.children.size === 0;
  }

  /** The longest token starting at `start`, and where it ends. */
  private longestAt(text: string, start: number): { token: AddedToken; end: number } | undefined {
    let node: TrieNode | undefined = this.root;
    let found: { token: AddedToken; end: number } | undefined;
    let index = start;
    while (index < text.length) {
      const codePoint = text.codePointAt(index) as number;
      const unit = String.fromCodePoint(codePoint);
      node = node.children.get(unit);
      if (node === undefined) break;
      index += unit.length;
      if (node.token !== undefined) found = { token: node.token, end: index };
    }
    return found;
  }

  /** The crate's AddedVocabulary::find_matches on one piece of text. */
  split(text: string, atStart: boolean): Segment[] {
    if (this.empty) return [{ text, atStart }];
    const segments: Segment[] = [];
    let taken = 0;
    let index = 0;
    while (index < text.length) {
      const match = this.longestAt(text, index);
      if (match === undefined) {
        index += (text.codePointAt(index) as number) > 0xffff ? 2 : 1;
        continue;
      }
      const { token } = match;
      let start = index;
      let end = match.end;
      index = match.end; // the automaton goes on after the match, whatever happens to it
      if (token.singleWord) {
        const before = start === 0 ? '' : String.fromCodePoint(codePointBefore(text, start));
        const after = end >= text.length ? '' : String.fromCodePoint(text.codePointAt(end) as number);
        if (WORD_CHARACTER.test(before) || WORD_CHARACTER.test(after)) continue;
      }
      if (token.leftStrip) {
        const spaces = TRAILING_WHITESPACE.exec(text.slice(taken, start))?.[0].length ?? 0;
        start = Math.max(start - spaces, taken);
      }
      if (token.rightStrip) end += LEADING_WHITESPACE.exec(text.slice(end))?.[0].length ?? 0;
      if (taken < start) segments.push({ text: text.slice(taken, start), atStart: atStart && taken === 0 });
      segments.push({ id: token.id });
      taken = end;
    }
    if (taken < text.length) segments.push({ text: text.slice(taken), atStart: atStart && taken === 0 });
    return segments;
  }
}

function codePointBefore(text: string, index: number): number {
  const low = text.charCodeAt(index - 1);
  if (index >= 2 && low >= 0xdc00 && low <= 0xdfff) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(index - 2) as number;
  }
  return low;
}

/**
 * The added tokens of a tokenizer and how text is cut around them (the crate's
 * `AddedVocabulary::extract_and_normalize`): tokens with `normalized: false` are found in the raw
 * text first, then each remaining stretch is normalized and the `normalized: true` tokens (as the
 * normalizer rewrites them) are found in it. Special tokens in the input are always recognised, as
 * transformers does by default (`split_special_tokens: false`).
 */
export class AddedVocabulary {
  readonly tokens: readonly AddedToken[];
  private readonly raw: TokenMatcher;
  private readonly normalizedMatcher: TokenMatcher;
  private readonly normalizer: Normalizer | undefined;

  constructor(tokens: readonly AddedToken[], normalizer: Normalizer | undefined) {
    this.tokens = tokens;
    this.normalizer = normalizer;
    this.raw = new TokenMatcher(tokens.filter((token) => !token.normalized).map((token) => [token.content, token]));
    // Two passes even without a normalizer: a raw token found first wins over a longer normalized one.
    this.normalizedMatcher = new TokenMatcher(
      tokens
        .filter((token) => token.normalized)
        .map((token) => [normalizer === undefined ? token.content : normalizer(token.content), token]),
    );
  }

  /** The input as added-token ids and normalized text to pre-tokenize. */
  extractAndNormalize(text: string): Segment[] {
    return this.raw.split(text, true).flatMap((segment) => {
      if ('id' in segment) return [segment];
      const normalized = this.normalizer === undefined ? segment.text : this.normalizer(segment.text);
      return this.normalizedMatcher.split(normalized, segment.atStart);
    });
  }
}
