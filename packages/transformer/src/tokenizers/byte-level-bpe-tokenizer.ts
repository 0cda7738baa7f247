import { TesseraError } from '@tessera/core';
import { BytePairMerges } from './bpe-merges.js';
import { byteToCharacter, characterToByte, decodeWtf8, encodeWtf8, GPT2_PRETOKENIZE } from './byte-level.js';

/** What `toJSON` gives and `fromJSON` takes (also the `tokenizer.json` of a GPT export). */
export interface ByteLevelBPETokenizerJSON {
  type: 'byte-level-bpe';
  /** token → id, as vocab.json */
  vocabulary: Record<string, number>;
  /** "left right" in rank order, as merges.txt */
  merges: string[];
  specialTokens: string[];
}

/**
 * A Node module, imported on first use through a computed specifier that bundlers do not follow:
 * the tokenizer itself is portable (browser entry), only fromFiles / fromTokenizerJson / save touch
 * files (through node:fs and @tessera/core's Node entry, for its atomic writes).
 */
async function nodeModule<Module>(specifier: string): Promise<Module> {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
    throw new TesseraError(
      'E_TOKENIZER_IO',
      'reading or writing tokenizer files needs Node; in a browser build the tokenizer with fromJSON or new ByteLevelBPETokenizer(vocabulary, merges)',
    );
  }
  return (await import(/* @vite-ignore */ specifier)) as Module;
}

async function readText(path: string): Promise<string> {
  const fs = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new TesseraError('E_TOKENIZER_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export interface ByteLevelBPEOptions {
  /** Tokens matched whole in the input and never split (e.g. `<|endoftext|>`); they must be in the vocabulary. */
  specialTokens?: readonly string[];
}

/**
 * GPT-2's byte-level BPE (Radford et al. 2019; Sennrich et al. 2016): text → UTF-8 bytes →
 * printable characters → pre-tokens (GPT2_PRETOKENIZE) → merges applied lowest rank first (bpe-merges.ts) →
 * ids. Any string round-trips exactly (lone surrogates go through WTF-8; see byte-level.ts).
 */
export class ByteLevelBPETokenizer {
  private readonly ids: Map<string, number>;
  private readonly tokens: string[];
  private readonly merges: BytePairMerges;
  private readonly cache = new Map<string, number[]>();
  private readonly specialPattern: RegExp | undefined;
  readonly specialTokens: readonly string[];

  constructor(
    vocabulary: Record<string, number>,
    merges: ReadonlyArray<readonly [string, string]>,
    options: ByteLevelBPEOptions = {},
  ) {
    this.ids = new Map(Object.entries(vocabulary));
    this.tokens = [];
    for (const [token, id] of this.ids) this.tokens[id] = token;
    this.merges = new BytePairMerges(merges);
    this.specialTokens = options.specialTokens ?? [...this.ids.keys()].filter((token) => /^<\|.+\|>$/.test(token));
    for (const token of this.specialTokens) {
      if (!this.ids.has(token))
        throw new TesseraError(
          'E_TOKENIZER_VOCABULARY',
          `special token ${JSON.stringify(token)} is not in the vocabulary`,
        );
    }
    this.specialPattern =
      this.specialTokens.length === 0
        ? undefined
        : new RegExp(
            `(${[...this.specialTokens]
              .sort((a, b) => b.length - a.length)
              .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
              .join('|')})`,
          );
  }

  /** Hugging Face's / OpenAI's `vocab.json` and `merges.txt` (first line `#version: …`). */
  static async fromFiles(
    vocabularyPath: string,
    mergesPath: string,
    options: ByteLevelBPEOptions = {},
  ): Promise<ByteLevelBPETokenizer> {
    const vocabularyText = await readText(vocabularyPath);
    let vocabulary: Record<string, number>;
    try {
      vocabulary = JSON.parse(vocabularyText);
    } catch {
      throw new TesseraError('E_TOKENIZER_FORMAT', `${vocabularyPath} is not a JSON object of token → id`);
    }
    return new ByteLevelBPETokenizer(vocabulary, parseMerges(await readText(mergesPath), mergesPath), options);
  }

  /** A Hugging Face `tokenizer.json` with a BPE model (merges as "a b" strings or [a, b] pairs). */
  static async fromTokenizerJson(path: string): Promise<ByteLevelBPETokenizer> {
    let json: {
      model?: { type?: string; vocab?: Record<string, number>; merges?: Array<string | [string, string]> };
      added_tokens?: Array<{ content: string; special?: boolean }>;
    };
    const text = await readText(path);
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new TesseraError('E_TOKENIZER_IO', `cannot read ${path} as JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (json.model?.type !== 'BPE' || json.model.vocab === undefined || json.model.merges === undefined) {
      throw new TesseraError(
        'E_TOKENIZER_FORMAT',
        `${path} does not hold a BPE model (model.type ${JSON.stringify(json.model?.type)})`,
      );
    }
    const merges = json.model.merges.map((merge) =>
      typeof merge === 'string' ? (merge.split(' ') as [string, string]) : merge,
    );
    const specialTokens = (json.added_tokens ?? [])
      .filter((token) => token.special !== false)
      .map((token) => token.content);
    return new ByteLevelBPETokenizer(json.model.vocab, merges, { specialTokens });
  }

  get vocabularySize(): number {
    return this.tokens.length;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Token ids for `text`; special tokens in the text become their ids. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const pieces = this.specialPattern === undefined ? [text] : text.split(this.specialPattern);
    pieces.forEach((piece, index) => {
      if (index % 2 === 1) ids.push(this.ids.get(piece) as number);
      else
        for (const match of piece.matchAll(GPT2_PRETOKENIZE)) for (const id of this.encodeWord(match[0])) ids.push(id);
    });
    return ids;
  }

  private encodeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const symbols = this.merges.apply(Array.from(encodeWtf8(word), (byte) => byteToCharacter[byte] as string));
    const ids = symbols.map((symbol) => {
      const id = this.ids.get(symbol);
      if (id === undefined)
        throw new TesseraError(
          'E_TOKENIZER_VOCABULARY',
          `the vocabulary has no token ${JSON.stringify(symbol)} (merges and vocabulary disagree)`,
        );
      return id;
    });
    if (this.cache.size < 100_000) this.cache.set(word, ids);
    return ids;
  }

  /** The bytes the ids stand for (useful to stream text that a token boundary cuts mid-character). */
  decodeBytes(ids: Iterable<number>): Uint8Array {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.tokens[id];
      if (token === undefined) throw new TesseraError('E_TOKENIZER_ID', `token id ${id} is outside the vocabulary`);
      if (this.specialTokens.includes(token)) for (const byte of encodeWtf8(token)) bytes.push(byte);
      else for (const character of token) bytes.push(characterToByte.get(character) as number);
    }
    return Uint8Array.from(bytes);
  }

  decode(ids: Iterable<number>): string {
    return decodeWtf8(this.decodeBytes(ids));
  }

  /** The vocabulary and merges in rank order, for export (`tokenizer.json`) or the browser. */
  toJSON(): ByteLevelBPETokenizerJSON {
    return {
      type: 'byte-level-bpe',
      vocabulary: Object.fromEntries(this.tokens.map((token, id) => [token, id])),
      merges: this.mergeList(),
      specialTokens: [...this.specialTokens],
    };
  }

  static fromJSON(json: ByteLevelBPETokenizerJSON): ByteLevelBPETokenizer {
    if (json?.type !== 'byte-level-bpe' || typeof json.vocabulary !== 'object' || !Array.isArray(json.merges)) {
      throw new TesseraError(
        'E_TOKENIZER_FORMAT',
        `expected a byte-level BPE tokenizer ({ type: 'byte-level-bpe', vocabulary, merges }), found type '${json?.type}'`,
      );
    }
    return new ByteLevelBPETokenizer(json.vocabulary, parseMerges(json.merges.join('\n'), 'tokenizer.json'), {
      specialTokens: json.specialTokens ?? [],
    });
  }

  private mergeList(): string[] {
    return this.merges.pairs().map(([left, right]) => `${left} ${right}`);
  }

  /** Writes `vocab.json` and `merges.txt` in Hugging Face's format (Node), each atomically. */
  async save(directory: string): Promise<void> {
    const fs = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
    const { writeTextFileAtomically } = await nodeModule<typeof import('@tessera/core')>('@tessera/core');
    await fs.mkdir(directory, { recursive: true });
    const folder = directory.replace(/[\\/]+$/, '');
    const { vocabulary, merges } = this.toJSON();
    await writeTextFileAtomically(`${folder}/vocab.json`, JSON.stringify(vocabulary));
    await writeTextFileAtomically(`${folder}/merges.txt`, `#version: 0.2\n${merges.join('\n')}\n`);
  }
}

/** merges.txt: an optional `#version` line, then one "left right" pair per line in rank order. */
export function parseMerges(text: string, source = 'merges.txt'): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('#version') || line.trim() === '') return;
    const parts = line.replace(/\r$/, '').split(' ');
    if (parts.length !== 2)
      throw new TesseraError(
        'E_TOKENIZER_FORMAT',
        `${source} line ${index + 1}: expected "left right", found ${JSON.stringify(line)}`,
      );
    merges.push(parts as [string, string]);
  });
  return merges;
}
