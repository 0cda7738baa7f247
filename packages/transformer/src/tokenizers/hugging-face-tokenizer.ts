import { TesseraError } from '@tessera/core';
import { type AddedToken, AddedVocabulary, parseAddedTokens } from './added-vocabulary.js';
import { type ApplyChatTemplateOptions, type ChatTemplateMessage, ChatTemplates } from './apply-chat-template.js';
import { type BpeModel, parseModel } from './bpe-model.js';
import { cleanUpTokenizationSpaces } from './clean-up-tokenization.js';
import { type Decoder, parseDecoder } from './decoders.js';
import { expectObject, type JsonObject } from './json-fields.js';
import { type Normalizer, parseNormalizer } from './normalizers.js';
import { padBatch } from './pad-batch.js';
import { parsePostProcessor, type SpecialTokenFrame } from './post-processors.js';
import { type PreTokenizer, parsePreTokenizer } from './pre-tokenizers.js';
import {
  parseTokenizerConfig,
  type SpecialTokenName,
  type TokenizerSettings,
  withChatTemplate,
} from './tokenizer-config.js';

/** What `toJSON` gives and `fromJSON` / `tokenizerFromJSON` take: the two files, as parsed JSON. */
export interface HuggingFaceTokenizerJSON {
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  /** A `chat_template.jinja` kept beside them (it overrides tokenizer_config.json's chat_template). */
  chatTemplate?: string;
}

export interface HuggingFaceEncodeOptions {
  /** Add what the post-processor frames a sequence with (Llama 2's `<s>`, …). Default true, as transformers. */
  addSpecialTokens?: boolean;
}

export interface HuggingFaceDecodeOptions {
  /** Leave out special tokens (`<|begin_of_text|>`, `<|im_end|>`, …). Default false. */
  skipSpecialTokens?: boolean;
  /** transformers' clean-up (` .` → `.`, ` 's` → `'s`, …). Default: tokenizer_config.json's `clean_up_tokenization_spaces`. */
  cleanUpTokenizationSpaces?: boolean;
}

export interface HuggingFaceBatchEncodeOptions extends HuggingFaceEncodeOptions {
  /** `longest` (the default) pads to the longest row, `max_length` to `maxLength`, false not at all. */
  padding?: 'longest' | 'max_length' | false;
  /** Truncate rows to this many ids (special tokens included) and, with `padding: 'max_length'`, pad to it. */
  maxLength?: number;
  /** Default: true when `maxLength` is given. */
  truncation?: boolean;
  /** Default: tokenizer_config.json's `padding_side`, else right. */
  paddingSide?: 'left' | 'right';
  /** The id to pad with. Default: the pad_token's; Llama 3 has none, so pass e.g. the eos id. */
  padTokenId?: number;
}

/** A batch's model inputs, one row per text: `[batch, length]` when padded. */
export interface HuggingFaceBatchEncoding {
  inputIds: number[][];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
}

/** tokenizer_class values whose transformers class rebuilds the post-processor from add_bos_token / add_eos_token. */
const BOS_FLAG_CLASSES = /^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/;

/**
 * A tokenizer read from Hugging Face's `tokenizer.json` (+ `tokenizer_config.json`), as
 * transformers' PreTrainedTokenizerFast runs it: added tokens cut out first, then the normalizer,
 * the pre-tokenizer, the BPE model and the post-processor; decoding through the decoder. Encodes
 * as the Rust tokenizers crate does (tested id for id on Llama 3, Qwen3 and Llama 2 files), so a
 * model sees the ids it was trained on. Pure TypeScript: it runs in browsers too; `loadTokenizer`
 * (Node) reads the files from a directory.
 */
export class HuggingFaceTokenizer {
  readonly settings: TokenizerSettings;
  private readonly json: HuggingFaceTokenizerJSON;
  private readonly normalizer: Normalizer | undefined;
  private readonly preTokenizer: PreTokenizer | undefined;
  private readonly model: BpeModel;
  private readonly decoder: Decoder | undefined;
  private readonly frame: SpecialTokenFrame;
  private readonly added: AddedVocabulary;
  private readonly addedById = new Map<number, AddedToken>();
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly special = new Set<string>();
  private readonly chatTemplates: ChatTemplates;

  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = {}, options: { chatTemplate?: string } = {}) {
    const json = expectObject(tokenizerJson, 'tokenizer.json');
    const config =
      tokenizerConfig === undefined || tokenizerConfig === null
        ? {}
        : expectObject(tokenizerConfig, 'tokenizer_config.json');
    this.json = {
      tokenizerJson: json,
      tokenizerConfig: config,
      ...(options.chatTemplate === undefined ? {} : { chatTemplate: options.chatTemplate }),
    };
    this.settings = withChatTemplate(parseTokenizerConfig(config), options.chatTemplate);
    this.normalizer = parseNormalizer(json.normalizer);
    this.preTokenizer = parsePreTokenizer(json.pre_tokenizer);
    this.model = parseModel(json.model);
    this.decoder = parseDecoder(json.decoder);
    const addedTokens = assignAddedTokenIds(parseAddedTokens(json.added_tokens), this.model.vocabulary);
    // transformers adds the config's special tokens the file does not list as added tokens (when the vocabulary has them).
    const { specialTokens, additionalSpecialTokens } = this.settings;
    for (const content of [...Object.values(specialTokens), ...additionalSpecialTokens]) {
      const id = this.model.vocabulary.get(content);
      if (id === undefined || addedTokens.some((token) => token.content === content)) continue;
      addedTokens.push({
        id,
        content,
        singleWord: false,
        leftStrip: false,
        rightStrip: false,
        normalized: false,
        special: true,
      });
    }
    for (const token of addedTokens) {
      if (!this.addedById.has(token.id)) this.addedById.set(token.id, token);
      if (!this.addedByContent.has(token.content)) this.addedByContent.set(token.content, token);
      if (token.special) this.special.add(token.content);
    }
    for (const content of [...Object.values(specialTokens), ...additionalSpecialTokens]) {
      if (this.tokenToId(content) !== undefined) this.special.add(content);
    }
    this.added = new AddedVocabulary(addedTokens, this.normalizer);
    this.frame = this.specialTokenFrame(parsePostProcessor(json.post_processor));
    const templateTokens: Record<string, string | string[]> = { ...specialTokens };
    if (additionalSpecialTokens.length > 0) templateTokens.additional_special_tokens = additionalSpecialTokens;
    this.chatTemplates = new ChatTemplates(this.settings.chatTemplates, templateTokens);
  }

  /** The post-processor's frame, or the one LlamaTokenizerFast rebuilds from add_bos_token / add_eos_token. */
  private specialTokenFrame(fromFile: SpecialTokenFrame): SpecialTokenFrame {
    const { tokenizerClass, addBosToken, addEosToken } = this.settings;
    if (tokenizerClass === undefined || !BOS_FLAG_CLASSES.test(tokenizerClass)) return fromFile;
    const bos = this.bosTokenId;
    const eos = this.eosTokenId;
    const addBos = addBosToken ?? true;
    const addEos = addEosToken ?? false;
    if ((addBos && bos === undefined) || (addEos && eos === undefined)) {
      throw new TesseraError(
        'E_TOKENIZER_FORMAT',
        `tokenizer_config.json asks to add ${addBos && bos === undefined ? 'bos_token' : 'eos_token'}, which it does not name in the vocabulary`,
      );
    }
    return { before: addBos ? [bos as number] : [], after: addEos ? [eos as number] : [] };
  }

  /** One more than the largest id: the rows an embedding for these ids needs. */
  get vocabularySize(): number {
    let size = this.model.tokens.length;
    for (const id of this.addedById.keys()) size = Math.max(size, id + 1);
    return size;
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.vocabulary.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.tokens[id];
  }

  /** The special tokens' contents: added tokens marked special and the config's bos/eos/… tokens. */
  get specialTokens(): readonly string[] {
    return [...this.special];
  }

  private namedTokenId(name: SpecialTokenName): number | undefined {
    const token = this.settings.specialTokens[name];
    return token === undefined ? undefined : this.tokenToId(token);
  }

  get bosToken(): string | undefined {
    return this.settings.specialTokens.bos_token;
  }
  get eosToken(): string | undefined {
    return this.settings.specialTokens.eos_token;
  }
  get padToken(): string | undefined {
    return this.settings.specialTokens.pad_token;
  }
  get bosTokenId(): number | undefined {
    return this.namedTokenId('bos_token');
  }
  get eosTokenId(): number | undefined {
    return this.namedTokenId('eos_token');
  }
  get padTokenId(): number | undefined {
    return this.namedTokenId('pad_token');
  }

  /** The ids of `text` without the post-processor's frame. */
  private encodeContent(text: string): number[] {
    if (typeof text !== 'string') {
      throw new TesseraError('E_TOKENIZER_INPUT', `encode takes a string, got ${text === null ? 'null' : typeof text}`);
    }
    const ids: number[] = [];
    for (const segment of this.added.extractAndNormalize(text)) {
      if ('id' in segment) {
        ids.push(segment.id);
        continue;
      }
      if (segment.text === '') continue;
      const pieces = this.preTokenizer === undefined ? [segment] : this.preTokenizer([segment]);
      for (const piece of pieces) for (const id of this.model.tokenize(piece.text)) ids.push(id);
    }
    return ids;
  }

  encode(text: string, options: HuggingFaceEncodeOptions = {}): number[] {
    const ids = this.encodeContent(text);
    return options.addSpecialTokens === false ? ids : [...this.frame.before, ...ids, ...this.frame.after];
  }

  /** Encodes each text, truncated and padded as asked (see HuggingFaceBatchEncodeOptions). */
  encodeBatch(texts: readonly string[], options: HuggingFaceBatchEncodeOptions = {}): HuggingFaceBatchEncoding {
    if (!Array.isArray(texts)) throw new TesseraError('E_TOKENIZER_INPUT', 'encodeBatch takes an array of strings');
    const addSpecialTokens = options.addSpecialTokens !== false;
    const frame = addSpecialTokens ? this.frame : { before: [], after: [] };
    return padBatch(
      texts.map((text) => this.encodeContent(text)),
      frame,
      {
        padding: options.padding ?? 'longest',
        maxLength: options.maxLength,
        truncation: options.truncation ?? options.maxLength !== undefined,
        paddingSide: options.paddingSide ?? this.settings.paddingSide,
        truncationSide: this.settings.truncationSide,
        padTokenId: options.padTokenId ?? this.padTokenId,
      },
    );
  }

  /**
   * The text of `ids`. Ids with no token (a model's embedding is often larger than its
   * vocabulary) are left out, as the crate does; a negative or fractional id is an error.
   */
  decode(ids: Iterable<number>, options: HuggingFaceDecodeOptions = {}): string {
    const skip = options.skipSpecialTokens === true;
    const tokens: string[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0)
        throw new TesseraError('E_TOKENIZER_ID', `token id ${id} is not a non-negative integer`);
      const token = this.idToToken(id);
      if (token === undefined || (skip && this.special.has(token))) continue;
      tokens.push(token);
    }
    const text = this.decoder === undefined ? tokens.join(' ') : this.decoder(tokens).join('');
    return (options.cleanUpTokenizationSpaces ?? this.settings.cleanUpTokenizationSpaces)
      ? cleanUpTokenizationSpaces(text)
      : text;
  }

  /** The prompt the file's Jinja chat template makes of `messages` (see ChatTemplates). */
  applyChatTemplate(messages: readonly ChatTemplateMessage[], options: ApplyChatTemplateOptions = {}): string {
    return this.chatTemplates.render(messages, options);
  }

  /** The rendered chat's ids: the template already holds its special tokens, so none are added (as transformers). */
  encodeChat(messages: readonly ChatTemplateMessage[], options: ApplyChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }

  /** The files it was built from, for `saveTokenizer` or to rebuild it elsewhere (e.g. in a browser). */
  toJSON(): HuggingFaceTokenizerJSON {
    return this.json;
  }

  static fromJSON(json: HuggingFaceTokenizerJSON): HuggingFaceTokenizer {
    const fields = expectObject(json, 'the tokenizer JSON');
    return tokenizerFromJSON(fields.tokenizerJson, fields.tokenizerConfig, {
      ...(typeof fields.chatTemplate === 'string' ? { chatTemplate: fields.chatTemplate } : {}),
    });
  }
}

/**
 * The ids the crate gives added tokens, which are not always the file's: each in turn takes the
 * id its content already has (an earlier added token's, else the model vocabulary's), else the
 * next one after the vocabulary and the added tokens so far (the crate's `AddedVocabulary::add_tokens`;
 * it only warns when that differs from the file). Real files agree; a file that does not gets the
 * crate's ids, since those are what transformers' models see.
 */
function assignAddedTokenIds(tokens: AddedToken[], vocabulary: ReadonlyMap<string, number>): AddedToken[] {
  const vocabularySize = vocabulary.size;
  const assigned = new Map<string, number>();
  let largest: number | undefined;
  return tokens.map((token) => {
    let id = assigned.get(token.content) ?? vocabulary.get(token.content);
    if (id === undefined) {
      id = largest === undefined || (largest < vocabularySize && vocabularySize > 0) ? vocabularySize : largest + 1;
    }
    assigned.set(token.content, id);
    largest = Math.max(largest ?? id, id);
    return { ...token, id };
  });
}

/**
 * A tokenizer from the parsed contents of `tokenizer.json` and `tokenizer_config.json` (and a
 * `chat_template.jinja`, if the directory has one). Malformed or unsupported contents fail with
 * E_TOKENIZER_FORMAT, E_TOKENIZER_UNSUPPORTED, E_TOKENIZER_PATTERN or E_TOKENIZER_VOCABULARY.
 */
export function tokenizerFromJSON(
  tokenizerJson: unknown,
  tokenizerConfig: unknown = {},
  options: { chatTemplate?: string } = {},
): HuggingFaceTokenizer {
  return new HuggingFaceTokenizer(tokenizerJson, tokenizerConfig, options);
}
