import { TesseraError } from '@tessera/core';
import { BytePairMerges } from './bpe-merges.js';
import {
  expectArray,
  expectIndex,
  expectObject,
  expectString,
  formatError,
  type JsonObject,
  optionalBoolean,
  optionalString,
  unsupported,
} from './json-fields.js';

/** Ids above this are refused: no tokenizer has that many, and arrays indexed by id stay bounded. */
export const MAX_TOKEN_ID = 16_777_215;

const utf8 = new TextEncoder();
/** The crate's byte-fallback token names: `<0x00>` … `<0xFF>`. */
const BYTE_TOKENS = Array.from({ length: 256 }, (_, byte) => `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);

/**
 * The `model` of a `tokenizer.json` whose type is BPE: GPT-2-style byte-level vocabularies (Llama 3,
 * Qwen, SmolLM) and SentencePiece-converted ones with byte fallback (Llama 2, Mistral). One
 * pre-token becomes its characters (a character the vocabulary lacks becomes its UTF-8 bytes'
 * `<0xXX>` tokens under `byte_fallback`, else `unk_token`, consecutive unknowns fused under
 * `fuse_unk`), then merges (bpe-merges.ts) — the crate's `BPE::merge_word`. With
 * `ignore_merges` a pre-token that is itself in the vocabulary is taken whole.
 */
export class BpeModel {
  readonly vocabulary: ReadonlyMap<string, number>;
  /** id → token; holes where no token has the id. */
  readonly tokens: readonly (string | undefined)[];
  readonly unknownToken: string | undefined;
  private readonly merges: BytePairMerges;
  private readonly byteFallback: boolean;
  private readonly fuseUnknown: boolean;
  private readonly ignoreMerges: boolean;
  private readonly prefix: string | undefined;
  private readonly suffix: string | undefined;
  private readonly cache = new Map<string, number[]>();

  constructor(model: JsonObject, path = 'model') {
    const vocabulary = expectObject(model.vocab, `${path}.vocab`);
    const ids = new Map<string, number>();
    const tokens: (string | undefined)[] = [];
    for (const [token, id] of Object.entries(vocabulary)) {
      const index = expectIndex(id, `${path}.vocab[${JSON.stringify(token.slice(0, 40))}]`, MAX_TOKEN_ID);
      ids.set(token, index);
      tokens[index] = token;
    }
    this.vocabulary = ids;
    this.tokens = tokens;
    const dropout = model.dropout;
    if (dropout !== undefined && dropout !== null && dropout !== 0) {
      throw unsupported(`${path}.dropout`, `BPE dropout ${typeof dropout === 'number' ? dropout : '(not a number)'}`, [
        'null',
        '0',
      ]);
    }
    this.unknownToken = optionalString(model.unk_token, `${path}.unk_token`);
    if (this.unknownToken !== undefined && !ids.has(this.unknownToken)) {
      throw new TesseraError(
        'E_TOKENIZER_VOCABULARY',
        `${path}.unk_token ${JSON.stringify(this.unknownToken.slice(0, 40))} is not in the vocabulary`,
      );
    }
    this.byteFallback = optionalBoolean(model.byte_fallback, `${path}.byte_fallback`, false);
    this.fuseUnknown = optionalBoolean(model.fuse_unk, `${path}.fuse_unk`, false);
    this.ignoreMerges = optionalBoolean(model.ignore_merges, `${path}.ignore_merges`, false);
    this.prefix = optionalString(model.continuing_subword_prefix, `${path}.continuing_subword_prefix`) || undefined;
    this.suffix = optionalString(model.end_of_word_suffix, `${path}.end_of_word_suffix`) || undefined;
    const prefixLength = this.prefix?.length ?? 0;
    // A merge's right side carries the prefix; the merged token keeps only the left one's.
    const combine = (left: string, right: string) => left + right.slice(prefixLength);
    const pairs = expectArray(model.merges, `${path}.merges`).map((merge, index): [string, string] => {
      const where = `${path}.merges[${index}]`;
      let pair: unknown[];
      if (typeof merge === 'string') pair = merge.split(' ');
      else pair = expectArray(merge, where);
      if (pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw formatError(where, '"left right" or [left, right]', merge);
      }
      const [left, right] = pair as [string, string];
      for (const token of [left, right, combine(left, right)]) {
        if (!ids.has(token)) {
          throw new TesseraError(
            'E_TOKENIZER_VOCABULARY',
            `${where} uses ${JSON.stringify(token.slice(0, 40))}, which is not in the vocabulary`,
          );
        }
      }
      return [left, right];
    });
    this.merges = new BytePairMerges(pairs, combine);
  }

  /** The ids of one pre-token. */
  tokenize(word: string): number[] {
    if (word === '') return [];
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    let ids: number[];
    const whole = this.ignoreMerges ? this.vocabulary.get(word) : undefined;
    if (whole !== undefined) ids = [whole];
    else ids = this.merges.apply(this.symbols(word)).map((token) => this.vocabulary.get(token) as number);
    if (word.length < 256 && this.cache.size < 50_000) this.cache.set(word, ids);
    return ids;
  }

  /**
   * The word's starting symbols, each in the vocabulary. An unknown is held back until the next
   * known character or the end (so fuse_unk can extend it); byte-fallback tokens do not release it
   * — the crate's order, kept even where it looks odd.
   */
  private symbols(word: string): string[] {
    const characters = Array.from(word);
    const symbols: string[] = [];
    let pendingUnknown = false;
    characters.forEach((character, index) => {
      let symbol = character;
      if (index > 0 && this.prefix !== undefined) symbol = this.prefix + symbol;
      if (index === characters.length - 1 && this.suffix !== undefined) symbol += this.suffix;
      if (this.vocabulary.has(symbol)) {
        if (pendingUnknown) symbols.push(this.unknownToken as string);
        pendingUnknown = false;
        symbols.push(symbol);
        return;
      }
      if (this.byteFallback) {
        const bytes = Array.from(utf8.encode(symbol), (byte) => BYTE_TOKENS[byte] as string);
        if (bytes.every((token) => this.vocabulary.has(token))) {
          symbols.push(...bytes);
          return;
        }
      }
      if (this.unknownToken === undefined) return; // the crate drops what it cannot represent
      if (pendingUnknown && !this.fuseUnknown) symbols.push(this.unknownToken);
      pendingUnknown = true;
    });
    if (pendingUnknown) symbols.push(this.unknownToken as string);
    return symbols;
  }
}

/** Reads `model`, which must be BPE (WordPiece files are BertTokenizer's; Unigram is not supported yet). */
export function parseModel(value: unknown): BpeModel {
  const model = expectObject(value, 'model');
  const type = model.type === undefined ? 'BPE' : expectString(model.type, 'model.type');
  if (type !== 'BPE') throw unsupported('model.type', JSON.stringify(type.slice(0, 40)), ['BPE']);
  return new BpeModel(model);
}
