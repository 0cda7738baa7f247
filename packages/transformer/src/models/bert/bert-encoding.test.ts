import { describe, expect, it } from 'vitest';
import { googleVocabulary, huggingFaceVocabulary } from './bert-test-vocabularies.js';
import { BertTokenizer } from './bert-tokenizer.js';

// Expected ids follow from the layout and truncation rules of Hugging Face's BertTokenizer
// (build_inputs_with_special_tokens, create_token_type_ids_from_sequences, truncate_sequences, pad).
const [CLS, SEP, PAD, MASK] = [1, 2, 3, 4];
const [un, hashWant, hashEd, runn, hashIng, comma] = [9, 6, 7, 10, 11, 12];

describe('BertTokenizer: encoding', () => {
  const tokenizer = new BertTokenizer(huggingFaceVocabulary);

  it('wraps one text as [CLS] text [SEP] with segment 0 and full attention', () => {
    expect(tokenizer.encode('UNwant\u00E9d,running')).toEqual({
      inputIds: [CLS, un, hashWant, hashEd, comma, runn, hashIng, SEP],
      tokenTypeIds: [0, 0, 0, 0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1, 1, 1],
    });
    expect(tokenizer.encode('running', undefined, { addSpecialTokens: false }).inputIds).toEqual([runn, hashIng]);
  });

  it('lays out a pair as [CLS] a [SEP] b [SEP], segment 0 up to the first [SEP] and 1 after', () => {
    expect(tokenizer.encode('unwanted', 'running')).toEqual({
      inputIds: [CLS, un, hashWant, hashEd, SEP, runn, hashIng, SEP],
      tokenTypeIds: [0, 0, 0, 0, 0, 1, 1, 1],
      attentionMask: [1, 1, 1, 1, 1, 1, 1, 1],
    });
    expect(tokenizer.encode('unwanted', 'running', { addSpecialTokens: false })).toEqual({
      inputIds: [un, hashWant, hashEd, runn, hashIng],
      tokenTypeIds: [0, 0, 0, 1, 1],
      attentionMask: [1, 1, 1, 1, 1],
    });
    // An empty second text is still a pair.
    expect(tokenizer.encode('running', '').inputIds).toEqual([CLS, runn, hashIng, SEP, SEP]);
  });

  it('truncates longest_first one token at a time from the longer segment, the second on a tie', () => {
    // 3 + 3 + 3 special = 9 > 7: remove 2, first from the second (tie), then from the first (now longer).
    expect(tokenizer.encode('unwanted', 'running,', { maxLength: 7, truncation: 'longest_first' })).toEqual({
      inputIds: [CLS, un, hashWant, SEP, runn, hashIng, SEP],
      tokenTypeIds: [0, 0, 0, 0, 1, 1, 1],
      attentionMask: [1, 1, 1, 1, 1, 1, 1],
    });
    // 7 + 2 + 3 = 12 > 8: all 4 tokens come off the longer first segment; longest_first is the default.
    expect(tokenizer.encode('unwanted,unwanted', 'running', { maxLength: 8 }).inputIds).toEqual([
      CLS,
      un,
      hashWant,
      hashEd,
      SEP,
      runn,
      hashIng,
      SEP,
    ]);
  });

  it('truncates only_first, only_second and a single text', () => {
    // 3 + 3 + 3 special = 9 > 7: remove 2 from the named segment.
    expect(tokenizer.encode('unwanted', 'running,', { maxLength: 7, truncation: 'only_first' }).inputIds).toEqual([
      CLS,
      un,
      SEP,
      runn,
      hashIng,
      comma,
      SEP,
    ]);
    expect(tokenizer.encode('unwanted', 'running,', { maxLength: 7, truncation: 'only_second' }).inputIds).toEqual([
      CLS,
      un,
      hashWant,
      hashEd,
      SEP,
      runn,
      SEP,
    ]);
    expect(tokenizer.encode('unwanted running', undefined, { maxLength: 4 }).inputIds).toEqual([
      CLS,
      un,
      hashWant,
      SEP,
    ]);
    // Within the limit, or with truncation off, nothing is removed.
    expect(tokenizer.encode('running', undefined, { maxLength: 4 }).inputIds).toEqual([CLS, runn, hashIng, SEP]);
    expect(tokenizer.encode('unwanted', undefined, { maxLength: 3, truncation: false }).inputIds).toHaveLength(5);
  });

  it('refuses truncation that would empty a segment or cannot fit, naming what to change', () => {
    expect(() => tokenizer.encode('unwanted', 'running,', { maxLength: 6, truncation: 'only_first' })).toThrow(
      'E_TOKENIZER_TRUNCATION: removing 3 tokens would leave nothing of the first segment (3 tokens)',
    );
    expect(() => tokenizer.encode('unwanted', 'running,', { maxLength: 6, truncation: 'only_second' })).toThrow(
      'E_TOKENIZER_TRUNCATION: removing 3 tokens would leave nothing of the second segment',
    );
    expect(() => tokenizer.encode('running', undefined, { maxLength: 2 })).toThrow('E_TOKENIZER_TRUNCATION');
    expect(() => tokenizer.encode('running', 'running', { maxLength: 2 })).toThrow(
      'E_TOKENIZER_TRUNCATION: maxLength 2 cannot hold the 3 special tokens',
    );
    expect(() => tokenizer.encode('unwanted', undefined, { maxLength: 3, truncation: 'only_second' })).toThrow(
      "E_TOKENIZER_TRUNCATION: truncation 'only_second' needs a text pair",
    );
  });

  it('pads to maxLength on the right with [PAD], segment 0 and attention 0', () => {
    expect(tokenizer.encode('running', undefined, { maxLength: 6, padding: 'max_length' })).toEqual({
      inputIds: [CLS, runn, hashIng, SEP, PAD, PAD],
      tokenTypeIds: [0, 0, 0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1, 0, 0],
    });
    expect(tokenizer.encode('wa', 'running', { maxLength: 8, padding: 'max_length' })).toEqual({
      inputIds: [CLS, 8, SEP, runn, hashIng, SEP, PAD, PAD],
      tokenTypeIds: [0, 0, 0, 1, 1, 1, 0, 0],
      attentionMask: [1, 1, 1, 1, 1, 1, 0, 0],
    });
    // Truncation and padding together give exactly maxLength.
    expect(tokenizer.encode('unwanted running', undefined, { maxLength: 4, padding: 'max_length' }).inputIds).toEqual([
      CLS,
      un,
      hashWant,
      SEP,
    ]);
  });

  it('rejects inconsistent options before doing any work', () => {
    expect(() => tokenizer.encode('running', undefined, { padding: 'max_length' })).toThrow(
      "E_TOKENIZER_OPTIONS: padding 'max_length' needs maxLength",
    );
    expect(() => tokenizer.encode('running', undefined, { truncation: 'only_first' })).toThrow(
      "E_TOKENIZER_OPTIONS: truncation 'only_first' needs maxLength",
    );
    expect(() => tokenizer.encode('running', undefined, { maxLength: 0 })).toThrow(
      'E_TOKENIZER_OPTIONS: maxLength must be a positive integer, got 0',
    );
    expect(() => tokenizer.encode('running', undefined, { maxLength: 5, truncation: 'longest' as never })).toThrow(
      "E_TOKENIZER_OPTIONS: unknown truncation 'longest'",
    );
  });

  it('encodes a batch of texts and pairs, padded to the longest row by default or to maxLength', () => {
    const batch = tokenizer.encodeBatch(['running', ['wa', 'unwanted'], 'low']);
    expect(batch).toEqual({
      inputIds: [
        [CLS, runn, hashIng, SEP, PAD, PAD, PAD],
        [CLS, 8, SEP, un, hashWant, hashEd, SEP],
        [CLS, 13, SEP, PAD, PAD, PAD, PAD],
      ],
      tokenTypeIds: [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 1, 1, 1, 1],
        [0, 0, 0, 0, 0, 0, 0],
      ],
      attentionMask: [
        [1, 1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0, 0, 0],
      ],
    });
    const fixed = tokenizer.encodeBatch(['unwanted running', 'low'], { maxLength: 5, padding: 'max_length' });
    expect(fixed.inputIds).toEqual([
      [CLS, un, hashWant, hashEd, SEP],
      [CLS, 13, SEP, PAD, PAD],
    ]);
    expect(fixed.attentionMask).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0],
    ]);
    // maxLength with padding 'longest' truncates but pads only to the longest row.
    expect(tokenizer.encodeBatch(['unwanted running', 'low'], { maxLength: 5 }).inputIds[1]).toEqual([
      CLS,
      13,
      SEP,
      PAD,
      PAD,
    ]);
    expect(tokenizer.encodeBatch(['running', 'low'], { padding: false }).inputIds).toEqual([
      [CLS, runn, hashIng, SEP],
      [CLS, 13, SEP],
    ]);
    expect(tokenizer.encodeBatch([])).toEqual({ inputIds: [], tokenTypeIds: [], attentionMask: [] });
  });

  it('names a special token the vocabulary lacks when encoding needs it', () => {
    const google = new BertTokenizer(googleVocabulary);
    expect(() => google.encode('running', undefined, { maxLength: 6, padding: 'max_length' })).toThrow(
      "E_TOKENIZER_SPECIAL_TOKEN: the vocabulary has no padding token '[PAD]'",
    );
    expect(() => google.encodeBatch(['running', 'want'])).toThrow('E_TOKENIZER_SPECIAL_TOKEN');
    expect(google.encodeBatch(['running', 'want'], { padding: false }).inputIds).toEqual([
      [1, 8, 9, 2],
      [1, 3, 2],
    ]);
    const bare = new BertTokenizer(['[UNK]', 'want']);
    expect(() => bare.encode('want')).toThrow(
      "E_TOKENIZER_SPECIAL_TOKEN: the vocabulary has no classification token '[CLS]'",
    );
    expect(bare.encode('want', undefined, { addSpecialTokens: false }).inputIds).toEqual([1]);
  });
});

describe('BertTokenizer: decoding', () => {
  const tokenizer = new BertTokenizer(huggingFaceVocabulary);

  it('joins ## pieces back, cleans up spaces before punctuation, and can skip special tokens', () => {
    const ids = tokenizer.encode('UNwant\u00E9d,running').inputIds;
    expect(tokenizer.decode(ids)).toBe('[CLS] unwanted, running [SEP]');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('unwanted, running');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false })).toBe(
      'unwanted , running',
    );
    const padded = tokenizer.encode('unwanted', 'running', { maxLength: 10, padding: 'max_length' }).inputIds;
    expect(tokenizer.decode(padded)).toBe('[CLS] unwanted [SEP] running [SEP] [PAD] [PAD]');
    expect(tokenizer.decode(padded, { skipSpecialTokens: true })).toBe('unwanted running');
    expect(tokenizer.decode(Int32Array.from([MASK, runn, hashIng]))).toBe('[MASK] running');
    expect(tokenizer.decodeBatch([[un, hashWant], [runn]])).toEqual(['unwant', 'runn']);
  });

  it('round-trips lower-cased, accent-free text whose words are in the vocabulary', () => {
    for (const text of ['unwanted, running', 'low lowest want', 'wa']) {
      expect(tokenizer.decode(tokenizer.encode(text).inputIds, { skipSpecialTokens: true })).toBe(text);
    }
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tokenizer.decode([1, 15])).toThrow('E_TOKENIZER_ID: token id 15 is outside [0, 15)');
    expect(() => tokenizer.decode([-1])).toThrow('E_TOKENIZER_ID');
    expect(() => tokenizer.decode([1.5])).toThrow('E_TOKENIZER_ID');
  });
});
