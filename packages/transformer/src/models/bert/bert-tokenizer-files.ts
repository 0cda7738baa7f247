import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError, writeTextFileAtomically } from '@tessera/core';
import { type BertSpecialTokens, BertTokenizer, type BertTokenizerOptions } from './bert-tokenizer.js';

/** tokenizer_config.json's fields for transformers' BertTokenizer. */
interface BertTokenizerConfig {
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  do_basic_tokenize?: boolean;
  never_split?: string[] | null;
  [field: string]: unknown;
}

/** tokenizer.json (the `tokenizers` library) of a WordPiece model, the parts Tessera reads. */
interface WordPieceTokenizerJson {
  normalizer?: BertNormalizer | { type: 'Sequence'; normalizers: BertNormalizer[] } | null;
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
  };
}
interface BertNormalizer {
  type: string;
  lowercase?: boolean;
  strip_accents?: boolean | null;
  handle_chinese_chars?: boolean;
}

const specialTokenFields: Array<[keyof BertSpecialTokens, string]> = [
  ['unknown', 'unk_token'],
  ['separator', 'sep_token'],
  ['padding', 'pad_token'],
  ['classification', 'cls_token'],
  ['mask', 'mask_token'],
];

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function readJson<T>(path: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    throw new TesseraError('E_TOKENIZER_IO', `cannot read ${path} as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A special token as tokenizer_config.json spells it: a string, or an AddedToken object `{ content }`. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return undefined;
}

function optionsFromTokenizerConfig(config: BertTokenizerConfig, path: string): BertTokenizerOptions {
  if (config.do_basic_tokenize === false) {
    throw new TesseraError(
      'E_TOKENIZER_FORMAT',
      `${path} sets do_basic_tokenize: false, which Tessera's BertTokenizer does not support`,
    );
  }
  const specialTokens: Partial<BertSpecialTokens> = {};
  for (const [role, field] of specialTokenFields) {
    const token = tokenText(config[field]);
    if (token !== undefined) specialTokens[role] = token;
  }
  return {
    lowerCase: config.do_lower_case ?? true,
    ...(typeof config.strip_accents === 'boolean' ? { stripAccents: config.strip_accents } : {}),
    tokenizeChineseCharacters: config.tokenize_chinese_chars ?? true,
    ...(Array.isArray(config.never_split) && config.never_split.length > 0 ? { neverSplit: config.never_split } : {}),
    specialTokens,
  };
}

/** A WordPiece tokenizer.json as a BertTokenizer: the vocabulary by id and BertNormalizer's settings. */
function tokenizerFromJson(json: WordPieceTokenizerJson, path: string): BertTokenizer {
  const model = json.model;
  if (model?.type !== 'WordPiece' || model.vocab === undefined) {
    throw new TesseraError(
      'E_TOKENIZER_FORMAT',
      `${path} does not hold a WordPiece model (model.type ${JSON.stringify(model?.type)}); a bert directory needs vocab.txt or a WordPiece tokenizer.json`,
    );
  }
  if ((model.continuing_subword_prefix ?? '##') !== '##') {
    throw new TesseraError(
      'E_TOKENIZER_FORMAT',
      `${path} uses continuing_subword_prefix '${model.continuing_subword_prefix}'; Tessera's BertTokenizer uses '##'`,
    );
  }
  const vocabulary: string[] = [];
  for (const [token, id] of Object.entries(model.vocab)) vocabulary[id] = token;
  const gap = Array.from(vocabulary.keys()).find((id) => vocabulary[id] === undefined);
  if (gap !== undefined) throw new TesseraError('E_TOKENIZER_VOCABULARY', `${path}: no token has id ${gap}`);
  const normalizer = json.normalizer ?? undefined;
  const normalizers: BertNormalizer[] =
    normalizer === undefined ? [] : 'normalizers' in normalizer ? normalizer.normalizers : [normalizer];
  const bert = normalizers.find((candidate) => candidate.type === 'BertNormalizer');
  return new BertTokenizer(vocabulary, {
    lowerCase: bert?.lowercase ?? true,
    ...(typeof bert?.strip_accents === 'boolean' ? { stripAccents: bert.strip_accents } : {}),
    tokenizeChineseCharacters: bert?.handle_chinese_chars ?? true,
    ...(model.unk_token === undefined ? {} : { specialTokens: { unknown: model.unk_token } }),
    ...(model.max_input_chars_per_word === undefined
      ? {}
      : { maxInputCharactersPerWord: model.max_input_chars_per_word }),
  });
}

/**
 * The tokenizer of a Hugging Face BERT directory: `vocab.txt` with `tokenizer_config.json`'s settings
 * (lower-casing, accents, CJK, special tokens) when present, else a WordPiece `tokenizer.json`;
 * undefined when the directory has neither.
 */
export async function loadBertTokenizer(directory: string): Promise<BertTokenizer | undefined> {
  const vocabularyPath = join(directory, 'vocab.txt');
  if (await exists(vocabularyPath)) {
    const configPath = join(directory, 'tokenizer_config.json');
    const config = (await exists(configPath)) ? await readJson<BertTokenizerConfig>(configPath) : {};
    return BertTokenizer.fromFile(vocabularyPath, optionsFromTokenizerConfig(config, configPath));
  }
  const jsonPath = join(directory, 'tokenizer.json');
  if (await exists(jsonPath)) return tokenizerFromJson(await readJson<WordPieceTokenizerJson>(jsonPath), jsonPath);
  return undefined;
}

/** Writes `vocab.txt` and `tokenizer_config.json` as transformers' BertTokenizer.save_pretrained does. */
export async function saveBertTokenizer(tokenizer: BertTokenizer, directory: string): Promise<void> {
  const { options } = tokenizer.toJSON();
  const config: BertTokenizerConfig = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: options.lowerCase ?? true,
    strip_accents: options.stripAccents ?? null,
    tokenize_chinese_chars: options.tokenizeChineseCharacters ?? true,
    ...Object.fromEntries(specialTokenFields.map(([role, field]) => [field, tokenizer.specialTokens[role]])),
  };
  const neverSplit = [...(options.neverSplit ?? [])];
  if (neverSplit.length > 0) config.never_split = neverSplit;
  await writeTextFileAtomically(
    join(directory, 'vocab.txt'),
    tokenizer.vocabulary.map((token) => `${token}\n`).join(''),
  );
  await writeTextFileAtomically(join(directory, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
