import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTesseraError } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteToCharacter } from './byte-level.js';
import { tokenizerFromJSON } from './hugging-face-tokenizer.js';
import { loadTokenizer } from './load-tokenizer.js';

/**
 * Seeded fuzzing of the tokenizer.json / tokenizer_config.json readers: a few hundred mutated
 * files, each either loads (and then encodes, decodes, pads and renders without a raw error) or
 * fails with a TesseraError and its code. A hang fails the test by its timeout.
 */

function random32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Merges spelling `words` letter by letter, and the vocabulary they need. */
function vocabularyAndMerges(alphabet: readonly string[], words: readonly string[][]) {
  const vocabulary: Record<string, number> = {};
  for (const symbol of alphabet) vocabulary[symbol] ??= Object.keys(vocabulary).length;
  const merges: string[][] = [];
  for (const word of words) {
    let made = word[0] as string;
    for (const next of word.slice(1)) {
      if (vocabulary[made + next] === undefined) {
        merges.push([made, next]);
        vocabulary[made + next] = Object.keys(vocabulary).length;
      }
      made += next;
    }
  }
  return { vocabulary, merges };
}

/** A small Llama 3-shaped file: byte-level BPE, Split + ByteLevel, special tokens, a BOS template. */
function byteLevelFile(): Record<string, unknown> {
  const words = ['Ġthe', 'Ġand', 'hello', 'Ġworld', 'Ġtokenizer'].map((word) => Array.from(word));
  const { vocabulary, merges } = vocabularyAndMerges(byteToCharacter, words);
  const size = Object.keys(vocabulary).length;
  const special = ['<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>'];
  return {
    version: '1.0',
    added_tokens: special.map((content, index) => ({
      id: size + index,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [size], tokens: ['<|begin_of_text|>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      byte_fallback: false,
      ignore_merges: true,
      vocab: vocabulary,
      merges,
    },
  };
}

/** A small Llama 2-shaped file: SentencePiece BPE with byte fallback, Prepend/Replace, a decoder sequence. */
function byteFallbackFile(): Record<string, unknown> {
  const bytes = Array.from({ length: 256 }, (_, byte) => `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
  const alphabet = ['<unk>', '<s>', '</s>', ...bytes, '▁', ...'abcdefghijklmnopqrstuvwxyz'];
  const { vocabulary, merges } = vocabularyAndMerges(
    alphabet,
    ['▁the', '▁hello', '▁world'].map((word) => Array.from(word)),
  );
  return {
    version: '1.0',
    added_tokens: ['<unk>', '<s>', '</s>'].map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      fuse_unk: true,
      byte_fallback: true,
      vocab: vocabulary,
      merges: merges.map((pair) => pair.join(' ')),
    },
  };
}

const config = {
  bos_token: '<|begin_of_text|>',
  eos_token: { content: '<|end_of_text|>', __type: 'AddedToken' },
  pad_token: null,
  add_bos_token: true,
  clean_up_tokenization_spaces: true,
  chat_template:
    "{% for message in messages %}{{ bos_token if loop.first else '' }}<|{{ message['role'] }}|>{{ message['content'] | trim }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
};

function nested(depth: number): unknown {
  let value: unknown = { type: 'NFC' };
  for (let level = 0; level < depth; level++) value = { type: 'Sequence', normalizers: [value] };
  return value;
}

const replacements: unknown[] = [
  null,
  undefined,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x',
  '(',
  '(?i:',
  '\\',
  '[a&&b]',
  'a++',
  '\uD800',
  '{%',
  'Sequence',
  'BPE',
  'WordPiece',
  'ByteLevel',
  'Metaspace',
  'Split',
  'TemplateProcessing',
  [],
  {},
  [[[]]],
  ['a', 'b', 'c'],
  { String: ' ' },
  { Regex: '\\s+' },
  { Regex: '(?<=a' },
  nested(200),
  'a'.repeat(50_000),
];
const insertions = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '\\',
  '?',
  '+',
  '*',
  '|',
  '^',
  '$',
  '.',
  'x',
  '\uFFFF',
  ' ',
  '%',
  '#',
];

/**
 * Every [container, key] in the value (bounded), to pick a mutation site from. With `shallow`,
 * large containers (the vocabulary, the merges) are sites but not descended into, so most
 * mutations land on the components rather than on one of hundreds of vocabulary entries.
 */
function sites(root: unknown, shallow: boolean): Array<[Record<string | number, unknown>, string | number]> {
  const found: Array<[Record<string | number, unknown>, string | number]> = [];
  const pending: unknown[] = [root];
  while (pending.length > 0 && found.length < 5000) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (shallow && value !== root && Object.keys(value).length > 40) continue;
    for (const key of Object.keys(value)) {
      const container = value as Record<string | number, unknown>;
      found.push([container, Array.isArray(value) ? Number(key) : key]);
      pending.push(container[key]);
    }
  }
  return found;
}

function mutate(root: unknown, next: () => number): unknown {
  const copy = structuredClone(root);
  const candidates = sites(copy, next() < 0.85);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const [container, key] = pick(candidates);
  const value = container[key];
  switch (Math.floor(next() * 5)) {
    case 0:
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key];
      break;
    case 1:
      container[key] = structuredClone(pick(replacements));
      break;
    case 2:
      if (typeof value === 'string') {
        const at = Math.floor(next() * (value.length + 1));
        container[key] = value.slice(0, at) + pick(insertions) + value.slice(at + (next() < 0.5 ? 1 : 0));
      } else if (typeof value === 'number') container[key] = value + pick([-1, 1, 2 ** 24, -(2 ** 24), 0.5]);
      else container[key] = structuredClone(pick(replacements));
      break;
    case 3:
      if (Array.isArray(value) && value.length > 0) value.push(structuredClone(pick(value)));
      else container[key] = [value];
      break;
    default:
      container[key] = { type: pick(['Sequence', 'Split', 'Strip', 'Replace', 'Prepend', 'NFKC', 'Fuse']), value };
  }
  return copy;
}

const probes = ['Hello world! <|begin_of_text|>the tokenizer', 'héllo 世界 😀 123456', '', ' ', '\u0085\uFEFF\r\n'];

/** Loads and exercises one input; returns the error code, or 'loaded'. Anything but a TesseraError fails the test. */
function exercise(tokenizerJson: unknown, tokenizerConfig: unknown, label: string): string {
  try {
    const tokenizer = tokenizerFromJSON(tokenizerJson, tokenizerConfig);
    for (const text of probes) {
      const ids = tokenizer.encode(text);
      tokenizer.decode(ids);
      tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
      tokenizer.encode(text, { addSpecialTokens: false });
    }
    tokenizer.encodeBatch(probes, { padTokenId: 0, maxLength: 8, padding: 'max_length' });
    try {
      tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    } catch (error) {
      if (!isTesseraError(error)) throw error;
    }
    return 'loaded';
  } catch (error) {
    expect(isTesseraError(error), `${label}: ${String(error)}`).toBe(true);
    return (error as { code: string }).code;
  }
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tessera-tokenizer-fuzz-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('tokenizer.json and tokenizer_config.json readers under fuzzing', () => {
  it('both base files load and work (the fuzz starts from valid input)', () => {
    expect(exercise(byteLevelFile(), config, 'byte-level')).toBe('loaded');
    expect(exercise(byteFallbackFile(), {}, 'byte-fallback')).toBe('loaded');
  });

  it('refuses hostile shapes with a code: deep nesting, bad patterns, ids out of range', () => {
    const file = byteLevelFile();
    expect(exercise({ ...file, normalizer: nested(1000) }, {}, 'deep')).toBe('E_TOKENIZER_FORMAT');
    const split = (Regex: string) => ({
      ...file,
      pre_tokenizer: { type: 'Split', pattern: { Regex }, behavior: 'Isolated' },
    });
    for (const pattern of ['(?>a)', 'a++', '[', '(?<name', '\\p{Nope}']) {
      expect(exercise(split(pattern), {}, pattern)).toBe('E_TOKENIZER_PATTERN');
    }
    const model = file.model as Record<string, unknown>;
    expect(
      exercise({ ...file, model: { ...model, vocab: { ...(model.vocab as object), x: 2 ** 40 } } }, {}, 'id'),
    ).toBe('E_TOKENIZER_FORMAT');
    expect(exercise({ ...file, model: { ...model, merges: [['Ġ', 'nope']] } }, {}, 'merge')).toBe(
      'E_TOKENIZER_VOCABULARY',
    );
    expect(exercise({ ...file, model: { ...model, type: 'Unigram' } }, {}, 'unigram')).toBe('E_TOKENIZER_UNSUPPORTED');
    // A 200 000-letter word merges in bounded time (a heap, not rescans).
    const tokenizer = tokenizerFromJSON(file);
    expect(tokenizer.decode(tokenizer.encode('the'.repeat(70_000), { addSpecialTokens: false }))).toBe(
      'the'.repeat(70_000),
    );
  });

  it('400 structurally mutated files: each loads and works, or fails with a TesseraError code', () => {
    const next = random32(24);
    const bases = [byteLevelFile(), byteFallbackFile()];
    const outcomes = new Map<string, number>();
    for (let index = 0; index < 400; index++) {
      const base = bases[index % 2] as Record<string, unknown>;
      let tokenizerJson: unknown = base;
      let tokenizerConfig: unknown = config;
      const mutations = 1 + Math.floor(next() * 3);
      for (let count = 0; count < mutations; count++) {
        if (next() < 0.8) tokenizerJson = mutate(tokenizerJson, next);
        else tokenizerConfig = mutate(tokenizerConfig, next);
      }
      const outcome = exercise(tokenizerJson, tokenizerConfig, `input ${index}`);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations reach both outcomes and the different kinds of check.
    expect(outcomes.get('loaded')).toBeGreaterThan(40);
    for (const code of ['E_TOKENIZER_FORMAT', 'E_TOKENIZER_VOCABULARY', 'E_TOKENIZER_UNSUPPORTED']) {
      expect(outcomes.get(code), code).toBeGreaterThan(0);
    }
  }, 120_000);

  it('100 byte-mutated files on disk: loadTokenizer answers with a tokenizer or a TesseraError', async () => {
    const next = random32(2024);
    const text = JSON.stringify(byteLevelFile());
    const configText = JSON.stringify(config);
    for (let index = 0; index < 100; index++) {
      const directory = join(scratch, `input-${index}`);
      const mutated = [text, configText].map((file, which) => {
        if (which === 1 && next() < 0.7) return file;
        let out = file;
        for (let count = 0; count < 1 + Math.floor(next() * 4); count++) {
          const at = Math.floor(next() * out.length);
          const choice = next();
          if (choice < 0.3)
            out = out.slice(0, at); // truncated
          else if (choice < 0.6) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 20));
          else out = out.slice(0, at) + insertions[Math.floor(next() * insertions.length)] + out.slice(at);
        }
        return out;
      });
      await rm(directory, { recursive: true, force: true });
      await mkdir(directory);
      await writeFile(join(directory, 'tokenizer.json'), mutated[0] as string);
      await writeFile(join(directory, 'tokenizer_config.json'), mutated[1] as string);
      try {
        const tokenizer = await loadTokenizer(directory);
        tokenizer.decode(tokenizer.encode(probes[1] as string));
      } catch (error) {
        expect(isTesseraError(error), `input ${index}: ${String(error)}`).toBe(true);
      }
    }
  }, 120_000);
});
