import { TesseraError } from '@tessera/core';
import { cleanUpTokenizationSpaces } from '../../tokenizers/clean-up-tokenization.js';
import { WordPieceTokenizer } from '../../tokenizers/wordpiece-tokenizer.js';
import { parseWordPieceVocabulary, readWordPieceVocabulary } from '../../tokenizers/wordpiece-vocabulary.js';
import { BertBasicTokenizer, type BertBasicTokenizerOptions } from './bert-basic-tokenizer.js';
import {
  assembleEncoding,
  type BertBatchEncodeOptions,
  type BertBatchEncoding,
  type BertEncodeOptions,
  type BertEncoding,
  padEncoding,
  resolveLengthSettings,
  type SegmentMarkers,
} from './bert-encoding.js';

/** The special tokens of a BERT vocabulary, by role. */
export interface BertSpecialTokens {
  unknown: string;
  classification: string;
  separator: string;
  padding: string;
  mask: string;
}

/** BERT's special tokens, as in every published BERT `vocab.txt`. */
export const defaultBertSpecialTokens: Readonly<BertSpecialTokens> = {
  unknown: '[UNK]',
  classification: '[CLS]',
  separator: '[SEP]',
  padding: '[PAD]',
  mask: '[MASK]',
};

/** Options of {@link BertTokenizer}; the defaults are those of `bert-base-uncased`. */
export interface BertTokenizerOptions extends BertBasicTokenizerOptions {
  /** Override the special tokens' spelling; the unknown token must be in the vocabulary. */
  specialTokens?: Partial<BertSpecialTokens>;
  /** Words longer than this many characters become the unknown token. Default 100. */
  maxInputCharactersPerWord?: number;
}

/** Options of {@link BertTokenizer.decode}. */
export interface BertDecodeOptions {
  /** Leave out `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]` and `[UNK]`. Default false. */
  skipSpecialTokens?: boolean;
  /** Remove the space BERT's splitting left before `.`, `,`, `!`, `?` and in `n't`, `'s`… Default true, as in Hugging Face. */
  cleanUpTokenizationSpaces?: boolean;
}

/** The serialised form of a {@link BertTokenizer}. */
export interface BertTokenizerJSON {
  type: 'wordpiece';
  vocabulary: readonly string[];
  options: BertTokenizerOptions;
}

/**
 * BERT's tokenizer: basic tokenisation ({@link BertBasicTokenizer}), then WordPiece
 * ({@link WordPieceTokenizer}) over a `vocab.txt` vocabulary whose token ids are line numbers.
 * Special tokens written in the text (`"[CLS] hi [SEP]"`) stay whole and are never lower-cased.
 */
export class BertTokenizer {
  readonly specialTokens: Readonly<BertSpecialTokens>;
  private readonly ids = new Map<string, number>();
  private readonly basicTokenizer: BertBasicTokenizer;
  private readonly wordPieceTokenizer: WordPieceTokenizer;
  private readonly specialTokenIds: ReadonlySet<number>;
  private readonly specialTokenPattern: RegExp | undefined;

  private readonly options: BertTokenizerOptions;

  /** @param vocabulary the tokens by id, as the lines of `vocab.txt`. */
  constructor(
    readonly vocabulary: readonly string[],
    options: BertTokenizerOptions = {},
  ) {
    // A copy with neverSplit as an array, so that toJSON() serialises it (a Set would become {}).
    this.options = { ...options, neverSplit: [...(options.neverSplit ?? [])] };
    // Like Hugging Face's load_vocab, a repeated token keeps the id of its last line; every line keeps its id.
    vocabulary.forEach((token, id) => {
      this.ids.set(token, id);
    });
    this.specialTokens = { ...defaultBertSpecialTokens, ...options.specialTokens };
    if (!this.ids.has(this.specialTokens.unknown))
      throw new TesseraError(
        'E_TOKENIZER_VOCABULARY',
        `the vocabulary (${vocabulary.length} tokens) has no unknown token '${this.specialTokens.unknown}'; ` +
          'add it or name the vocabulary’s own with specialTokens.unknown',
      );
    // Only special tokens the vocabulary has are atomic; others would encode as [UNK] anyway.
    const present = Object.values(this.specialTokens).filter((token) => this.ids.has(token));
    this.specialTokenIds = new Set(present.map((token) => this.ids.get(token) as number));
    this.specialTokenPattern = specialTokenSplitter(present);
    this.basicTokenizer = new BertBasicTokenizer({
      ...options,
      neverSplit: [...(this.options.neverSplit ?? []), ...present],
    });
    this.wordPieceTokenizer = new WordPieceTokenizer(this.ids, {
      unknownToken: this.specialTokens.unknown,
      maxInputCharactersPerWord: options.maxInputCharactersPerWord,
    });
  }

  /** Reads a `vocab.txt`: UTF-8, one token per line, the token's id is its line number (from 0). */
  static async fromFile(vocabularyPath: string, options: BertTokenizerOptions = {}): Promise<BertTokenizer> {
    const vocabulary = await readWordPieceVocabulary(vocabularyPath);
    try {
      return new BertTokenizer(vocabulary, options);
    } catch (error) {
      // Name the file in construction errors too (a vocabulary without [UNK], say).
      if (error instanceof TesseraError)
        throw new TesseraError(error.code, `${error.message.slice(error.code.length + 2)} (in '${vocabularyPath}')`, {
          cause: error,
        });
      throw error;
    }
  }

  /** Builds a tokenizer from the text of a `vocab.txt` (see {@link parseWordPieceVocabulary}). */
  static fromVocabularyText(text: string, options: BertTokenizerOptions = {}): BertTokenizer {
    return new BertTokenizer(parseWordPieceVocabulary(text), options);
  }

  get vocabularySize(): number {
    return this.vocabulary.length;
  }

  /** The token strings of `text`: `"UNwant\u00E9d,running"` → `["un", "##want", "##ed", ",", "runn", "##ing"]`. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string')
      throw new TesseraError('E_TOKENIZER_INPUT', `expected text as a string, got ${typeof text}`);
    const tokens: string[] = [];
    const chunks = this.specialTokenPattern === undefined ? [text] : text.split(this.specialTokenPattern);
    // split() with a capturing group alternates plain text (even indices) and special tokens (odd).
    chunks.forEach((chunk, index) => {
      if (index % 2 === 1) {
        tokens.push(chunk);
        return;
      }
      for (const word of this.basicTokenizer.tokenize(chunk)) {
        if (this.basicTokenizer.neverSplit.has(word)) tokens.push(word);
        else tokens.push(...this.wordPieceTokenizer.tokenize(word));
      }
    });
    return tokens;
  }

  /** The id of `token`, or undefined when the vocabulary lacks it. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Ids of tokens; a token not in the vocabulary gets the unknown token's id, as in BERT. */
  tokensToIds(tokens: Iterable<string>): number[] {
    const unknownId = this.ids.get(this.specialTokens.unknown) as number;
    return Array.from(tokens, (token) => this.ids.get(token) ?? unknownId);
  }

  /** The tokens of ids; throws E_TOKENIZER_ID for an id outside the vocabulary. */
  idsToTokens(ids: Iterable<number>): string[] {
    return Array.from(ids, (id) => {
      const token = Number.isInteger(id) ? this.vocabulary[id] : undefined;
      if (token === undefined)
        throw new TesseraError('E_TOKENIZER_ID', `token id ${id} is outside [0, ${this.vocabularySize})`);
      return token;
    });
  }

  /**
   * The model inputs of a text or a text pair: `[CLS] text [SEP]` or `[CLS] text [SEP] textPair [SEP]`,
   * truncated to `maxLength` and padded as asked.
   */
  encode(text: string, textPair?: string, options: BertEncodeOptions = {}): BertEncoding {
    const padding = options.padding ?? false;
    const settings = resolveLengthSettings(options, padding);
    const markers = this.segmentMarkers(options.addSpecialTokens ?? true);
    const pairIds = textPair === undefined ? undefined : this.tokensToIds(this.tokenize(textPair));
    const encoding = assembleEncoding(this.tokensToIds(this.tokenize(text)), pairIds, settings, markers);
    if (padding !== 'max_length') return encoding;
    return padEncoding(encoding, settings.maxLength as number, this.requireId('padding'));
  }

  /**
   * The model inputs of many texts or `[text, textPair]` pairs, padded by default to the longest
   * row so that they stack into `[batch, length]` tensors.
   */
  encodeBatch(
    inputs: readonly (string | readonly [string, string])[],
    options: BertBatchEncodeOptions = {},
  ): BertBatchEncoding {
    const padding = options.padding ?? 'longest';
    const settings = resolveLengthSettings(options, padding);
    const markers = this.segmentMarkers(options.addSpecialTokens ?? true);
    const paddingId = padding === false ? undefined : this.requireId('padding');
    let encodings = inputs.map((input) => {
      const [text, textPair] = typeof input === 'string' ? [input, undefined] : input;
      const pairIds = textPair === undefined ? undefined : this.tokensToIds(this.tokenize(textPair));
      return assembleEncoding(this.tokensToIds(this.tokenize(text)), pairIds, settings, markers);
    });
    if (paddingId !== undefined) {
      const length =
        padding === 'max_length'
          ? (settings.maxLength as number)
          : Math.max(0, ...encodings.map((encoding) => encoding.inputIds.length));
      encodings = encodings.map((encoding) => padEncoding(encoding, length, paddingId));
    }
    return {
      inputIds: encodings.map((encoding) => encoding.inputIds),
      tokenTypeIds: encodings.map((encoding) => encoding.tokenTypeIds),
      attentionMask: encodings.map((encoding) => encoding.attentionMask),
    };
  }

  /** Text from ids: pieces joined with spaces, `##` continuations glued to the piece before them. */
  decode(ids: Iterable<number>, options: BertDecodeOptions = {}): string {
    const all = Array.from(ids);
    const kept = this.idsToTokens(options.skipSpecialTokens ? all.filter((id) => !this.specialTokenIds.has(id)) : all);
    const text = kept.join(' ').replaceAll(' ##', '').trim();
    return (options.cleanUpTokenizationSpaces ?? true) ? cleanUpTokenizationSpaces(text) : text;
  }

  /** {@link decode} for each row of a batch. */
  decodeBatch(rows: Iterable<Iterable<number>>, options: BertDecodeOptions = {}): string[] {
    return Array.from(rows, (ids) => this.decode(ids, options));
  }

  toJSON(): BertTokenizerJSON {
    return { type: 'wordpiece', vocabulary: this.vocabulary, options: this.options };
  }

  static fromJSON(json: { type: string; vocabulary: string[]; options?: BertTokenizerOptions }): BertTokenizer {
    if (json.type !== 'wordpiece')
      throw new TesseraError('E_TOKENIZER_FORMAT', `expected a wordpiece tokenizer, found type '${json.type}'`);
    return new BertTokenizer(json.vocabulary, json.options);
  }

  private segmentMarkers(addSpecialTokens: boolean): SegmentMarkers | undefined {
    if (!addSpecialTokens) return undefined;
    return { classification: this.requireId('classification'), separator: this.requireId('separator') };
  }

  private requireId(role: keyof BertSpecialTokens): number {
    const token = this.specialTokens[role];
    const id = this.ids.get(token);
    if (id === undefined)
      throw new TesseraError(
        'E_TOKENIZER_SPECIAL_TOKEN',
        `the vocabulary has no ${role} token '${token}'; add it, name the vocabulary’s own with specialTokens.${role}` +
          (role === 'padding' ? ', or pass padding: false' : ', or pass addSpecialTokens: false'),
      );
    return id;
  }
}

/** A regex whose split() yields text and special tokens alternately; longest first, so `[MASK]` wins over a prefix. */
function specialTokenSplitter(tokens: readonly string[]): RegExp | undefined {
  if (tokens.length === 0) return undefined;
  const alternatives = [...tokens]
    .sort((a, b) => b.length - a.length)
    .map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(${alternatives.join('|')})`, 'u');
}
