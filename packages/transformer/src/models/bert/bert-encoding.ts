import { TesseraError } from '@tessera/core';

/**
 * How to shorten an input longer than `maxLength`, as in Hugging Face: `longest_first` removes
 * one token at a time from the end of the longer segment (the second on a tie), `only_first` and
 * `only_second` remove from the end of that segment alone.
 */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

/** Options of `BertTokenizer.encode`. */
export interface BertEncodeOptions {
  /** Add `[CLS]` and `[SEP]`: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`. Default true. */
  addSpecialTokens?: boolean;
  /** The length to truncate to and, with `padding: 'max_length'`, to pad to; counts the special tokens. */
  maxLength?: number;
  /** Default `longest_first` when `maxLength` is given; `false` keeps everything. */
  truncation?: TruncationStrategy | false;
  /** `max_length` pads on the right with `[PAD]` up to `maxLength`. Default false. */
  padding?: 'max_length' | false;
}

/** Options of `BertTokenizer.encodeBatch`. */
export interface BertBatchEncodeOptions extends Omit<BertEncodeOptions, 'padding'> {
  /** `longest` (the default) pads every row to the longest row, `max_length` to `maxLength`. */
  padding?: 'longest' | 'max_length' | false;
}

/** The model inputs of one text or text pair; the three arrays have the same length. */
export interface BertEncoding {
  /** Token ids. */
  inputIds: number[];
  /** 0 for the first segment (with its `[CLS]` and `[SEP]`), 1 for the second segment, 0 for padding. */
  tokenTypeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
}

/** The model inputs of a batch, one row per input: `[batch, length]` when padded. */
export interface BertBatchEncoding {
  inputIds: number[][];
  tokenTypeIds: number[][];
  attentionMask: number[][];
}

/** The ids `[CLS]` and `[SEP]` resolve to, or undefined when no special tokens are added. */
export interface SegmentMarkers {
  classification: number;
  separator: number;
}

/** Validated length settings shared by single and batch encoding. */
export interface LengthSettings {
  maxLength: number | undefined;
  truncation: TruncationStrategy | false;
}

const truncationStrategies: readonly string[] = ['longest_first', 'only_first', 'only_second'];

/** Checks `maxLength`, `truncation` and `padding` together, so a bad combination fails before any work. */
export function resolveLengthSettings(
  options: BertBatchEncodeOptions,
  padding: 'longest' | 'max_length' | false,
): LengthSettings {
  const { maxLength } = options;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1))
    throw new TesseraError('E_TOKENIZER_OPTIONS', `maxLength must be a positive integer, got ${maxLength}`);
  const truncation = options.truncation ?? (maxLength === undefined ? false : 'longest_first');
  if (truncation !== false && !truncationStrategies.includes(truncation))
    throw new TesseraError(
      'E_TOKENIZER_OPTIONS',
      `unknown truncation '${truncation}'; use 'longest_first', 'only_first', 'only_second' or false`,
    );
  if (truncation !== false && maxLength === undefined)
    throw new TesseraError('E_TOKENIZER_OPTIONS', `truncation '${truncation}' needs maxLength; pass maxLength`);
  if (padding !== false && padding !== 'longest' && padding !== 'max_length')
    throw new TesseraError('E_TOKENIZER_OPTIONS', `unknown padding '${padding}'; use 'max_length', 'longest' or false`);
  if (padding === 'max_length' && maxLength === undefined)
    throw new TesseraError('E_TOKENIZER_OPTIONS', "padding 'max_length' needs maxLength; pass maxLength");
  return { maxLength, truncation };
}

/**
 * Truncates the segments to fit `settings.maxLength` with `specialTokenCount` special tokens, then
 * lays them out as `[CLS] first [SEP] second [SEP]` with segment ids 0 and 1.
 */
export function assembleEncoding(
  first: readonly number[],
  second: readonly number[] | undefined,
  settings: LengthSettings,
  markers: SegmentMarkers | undefined,
): BertEncoding {
  const specialTokenCount = markers === undefined ? 0 : second === undefined ? 2 : 3;
  const [kept, keptPair] = truncate(first, second, settings, specialTokenCount);
  const inputIds = markers === undefined ? [...kept] : [markers.classification, ...kept, markers.separator];
  const tokenTypeIds = new Array<number>(inputIds.length).fill(0);
  if (keptPair !== undefined) {
    const pairIds = markers === undefined ? keptPair : [...keptPair, markers.separator];
    inputIds.push(...pairIds);
    tokenTypeIds.push(...new Array<number>(pairIds.length).fill(1));
  }
  return { inputIds, tokenTypeIds, attentionMask: new Array<number>(inputIds.length).fill(1) };
}

function truncate(
  first: readonly number[],
  second: readonly number[] | undefined,
  { maxLength, truncation }: LengthSettings,
  specialTokenCount: number,
): [readonly number[], readonly number[] | undefined] {
  const total = first.length + (second?.length ?? 0) + specialTokenCount;
  if (truncation === false || maxLength === undefined || total <= maxLength) return [first, second];
  const excess = total - maxLength;
  if (maxLength < specialTokenCount)
    throw new TesseraError(
      'E_TOKENIZER_TRUNCATION',
      `maxLength ${maxLength} cannot hold the ${specialTokenCount} special tokens; use maxLength >= ${specialTokenCount + 1}`,
    );
  if (truncation === 'only_second' && second === undefined)
    throw new TesseraError(
      'E_TOKENIZER_TRUNCATION',
      "truncation 'only_second' needs a text pair; use 'longest_first' or 'only_first' for a single text",
    );
  if (second === undefined || truncation === 'only_first') {
    // Like Hugging Face, refuse to empty a segment entirely rather than return a [CLS] [SEP] shell.
    if (first.length <= excess)
      throw new TesseraError(
        'E_TOKENIZER_TRUNCATION',
        `removing ${excess} tokens would leave nothing of the first segment (${first.length} tokens); ` +
          'raise maxLength or use another truncation strategy',
      );
    return [first.slice(0, first.length - excess), second];
  }
  if (truncation === 'only_second') {
    if (second.length <= excess)
      throw new TesseraError(
        'E_TOKENIZER_TRUNCATION',
        `removing ${excess} tokens would leave nothing of the second segment (${second.length} tokens); ` +
          'raise maxLength or use another truncation strategy',
      );
    return [first, second.slice(0, second.length - excess)];
  }
  // longest_first: one token at a time from the longer segment, the second one on a tie (Hugging Face's order).
  let firstLength = first.length;
  let secondLength = second.length;
  for (let removed = 0; removed < excess; removed += 1) {
    if (firstLength > secondLength) firstLength -= 1;
    else secondLength -= 1;
  }
  return [first.slice(0, firstLength), second.slice(0, secondLength)];
}

/** Pads on the right to `length` with `paddingId`, segment id 0 and attention 0; longer encodings stay as they are. */
export function padEncoding(encoding: BertEncoding, length: number, paddingId: number): BertEncoding {
  const missing = Math.max(0, length - encoding.inputIds.length);
  return {
    inputIds: [...encoding.inputIds, ...new Array<number>(missing).fill(paddingId)],
    tokenTypeIds: [...encoding.tokenTypeIds, ...new Array<number>(missing).fill(0)],
    attentionMask: [...encoding.attentionMask, ...new Array<number>(missing).fill(0)],
  };
}
