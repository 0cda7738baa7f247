import { describe, expect, it } from 'vitest';
import {
  BertBasicTokenizer,
  isCjkCharacter,
  isControlCharacter,
  isPunctuationCharacter,
  isWhitespaceCharacter,
} from './bert-basic-tokenizer.js';

// Expected values are the published ones of Google BERT's tokenization_test.py and Hugging Face's
// tests/models/bert/test_tokenization_bert.py, or follow directly from the rules those files implement.

describe('BERT character classes', () => {
  it('whitespace: tokenization_test.py test_is_whitespace', () => {
    for (const character of [' ', '\t', '\r', '\n', '\u00A0']) expect(isWhitespaceCharacter(character)).toBe(true);
    for (const character of ['A', '-']) expect(isWhitespaceCharacter(character)).toBe(false);
  });

  it('control: tokenization_test.py test_is_control, a character beyond the BMP included', () => {
    expect(isControlCharacter('\u0005')).toBe(true);
    for (const character of ['A', ' ', '\t', '\r', '\u{1F4A9}']) expect(isControlCharacter(character)).toBe(false);
    // Soft hyphen (Cf) and a private-use character (Co) are category C too.
    expect(isControlCharacter('\u00AD')).toBe(true);
    expect(isControlCharacter('\uE000')).toBe(true);
  });

  it('punctuation: tokenization_test.py test_is_punctuation, plus the ASCII symbol ranges and Unicode P*', () => {
    for (const character of ['-', '$', '`', '.']) expect(isPunctuationCharacter(character)).toBe(true);
    for (const character of ['A', ' ']) expect(isPunctuationCharacter(character)).toBe(false);
    // ASCII 33–47, 58–64, 91–96, 123–126: symbols such as + ^ | ~ count as punctuation for BERT.
    for (const character of ['!', '/', ':', '@', '[', '^', '{', '~', '+', '|']) {
      expect(isPunctuationCharacter(character)).toBe(true);
    }
    for (const character of ['0', '9', 'a', 'z', '\u007F']) expect(isPunctuationCharacter(character)).toBe(false);
    // Unicode punctuation outside ASCII is P*; a non-ASCII symbol (So, Sc) is not.
    for (const character of ['\u00BF', '\u2014', '\u3001', '\u300C'])
      expect(isPunctuationCharacter(character)).toBe(true);
    for (const character of ['\u00A9', '\u20AC', '\u{1F600}']) expect(isPunctuationCharacter(character)).toBe(false);
  });

  it("CJK: the code-point blocks of BERT's _is_chinese_char, including those beyond the BMP", () => {
    for (const character of ['\u535A', '\u4E00', '\u9FFF', '\u3400', '\uF900', '\u{20000}', '\u{2A700}', '\u{2F800}']) {
      expect(isCjkCharacter(character)).toBe(true);
    }
    // Hiragana, Katakana and Hangul are not in BERT's list.
    for (const character of ['a', '\u3042', '\u30A2', '\uAC00', '\u{2A6E0}'])
      expect(isCjkCharacter(character)).toBe(false);
  });
});

describe('BertBasicTokenizer', () => {
  const text = ' \tHeLLo!how  \n Are yoU?  ';
  const accented = ' \tHäLLo!how  \n Are yoU?  ';

  it('lower-cases and strips accents by default (test_basic_tokenizer_lower)', () => {
    const tokenizer = new BertBasicTokenizer({ lowerCase: true });
    expect(tokenizer.tokenize(text)).toEqual(['hello', '!', 'how', 'are', 'you', '?']);
    expect(tokenizer.tokenize('H\u00E9llo')).toEqual(['hello']);
    expect(new BertBasicTokenizer().tokenize(accented)).toEqual(['hallo', '!', 'how', 'are', 'you', '?']);
  });

  it('keeps accents with stripAccents false (test_basic_tokenizer_lower_strip_accents_false)', () => {
    const tokenizer = new BertBasicTokenizer({ lowerCase: true, stripAccents: false });
    expect(tokenizer.tokenize(accented)).toEqual(['hällo', '!', 'how', 'are', 'you', '?']);
    expect(tokenizer.tokenize('H\u00E9llo')).toEqual(['h\u00E9llo']);
  });

  it('strips accents explicitly (test_basic_tokenizer_lower_strip_accents_true)', () => {
    const tokenizer = new BertBasicTokenizer({ lowerCase: true, stripAccents: true });
    expect(tokenizer.tokenize(accented)).toEqual(['hallo', '!', 'how', 'are', 'you', '?']);
    expect(tokenizer.tokenize('H\u00E9llo')).toEqual(['hello']);
  });

  it('keeps case without lower-casing (test_basic_tokenizer_no_lower and its strip_accents variants)', () => {
    expect(new BertBasicTokenizer({ lowerCase: false }).tokenize(text)).toEqual([
      'HeLLo',
      '!',
      'how',
      'Are',
      'yoU',
      '?',
    ]);
    expect(new BertBasicTokenizer({ lowerCase: false, stripAccents: false }).tokenize(accented)).toEqual([
      'HäLLo',
      '!',
      'how',
      'Are',
      'yoU',
      '?',
    ]);
    expect(new BertBasicTokenizer({ lowerCase: false, stripAccents: true }).tokenize(accented)).toEqual([
      'HaLLo',
      '!',
      'how',
      'Are',
      'yoU',
      '?',
    ]);
  });

  it('respects never-split words (test_basic_tokenizer_respects_never_split_tokens)', () => {
    const tokenizer = new BertBasicTokenizer({ lowerCase: false, neverSplit: ['[UNK]'] });
    expect(tokenizer.tokenize(' \tHeLLo!how  \n Are yoU? [UNK]')).toEqual([
      'HeLLo',
      '!',
      'how',
      'Are',
      'yoU',
      '?',
      '[UNK]',
    ]);
  });

  it('splits on punctuation (test_basic_tokenizer_splits_on_punctuation)', () => {
    expect(new BertBasicTokenizer().tokenize("a\n'll !!to?'d of, can't.")).toEqual([
      'a',
      "'",
      'll',
      '!',
      '!',
      'to',
      '?',
      "'",
      'd',
      'of',
      ',',
      'can',
      "'",
      't',
      '.',
    ]);
    expect(new BertBasicTokenizer({ splitOnPunctuation: false }).tokenize("can't.")).toEqual(["can't."]);
  });

  it('makes every CJK ideograph a word (test_chinese), also beyond the BMP, and can leave them joined', () => {
    expect(new BertBasicTokenizer().tokenize('ah\u535A\u63A8zz')).toEqual(['ah', '\u535A', '\u63A8', 'zz']);
    expect(new BertBasicTokenizer().tokenize('a\u{20000}\u{2A700}b')).toEqual(['a', '\u{20000}', '\u{2A700}', 'b']);
    expect(new BertBasicTokenizer({ tokenizeChineseCharacters: false }).tokenize('ah\u535A\u63A8zz')).toEqual([
      'ah\u535A\u63A8zz',
    ]);
  });

  it('cleans the text: drops U+0000, U+FFFD and control characters, and any whitespace separates words', () => {
    const tokenizer = new BertBasicTokenizer();
    expect(tokenizer.tokenize('a\u0000b\uFFFDc\u0005d\u00ADe\u200Bf')).toEqual(['abcdef']);
    expect(tokenizer.tokenize('\u00AD')).toEqual([]);
    expect(tokenizer.tokenize('a\u3000b\u00A0c\u2028d\r\ne')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(tokenizer.tokenize('')).toEqual([]);
  });

  it('treats a character beyond the BMP as one character: emoji are symbols, not punctuation', () => {
    expect(new BertBasicTokenizer().tokenize('hi\u{1F600}there!')).toEqual(['hi\u{1F600}there', '!']);
  });

  it("composes (NFC) like Hugging Face's BasicTokenizer, and a lone combining mark vanishes when accents are stripped", () => {
    const cased = new BertBasicTokenizer({ lowerCase: false });
    expect(cased.tokenize('Cafe\u0301')).toEqual(['Caf\u00E9']);
    expect(new BertBasicTokenizer().tokenize('a \u0301 \u00C0\u00C9\u00CE')).toEqual(['a', 'aei']);
  });
});
