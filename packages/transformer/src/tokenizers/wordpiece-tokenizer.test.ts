import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

describe('WordPieceTokenizer', () => {
  // The vocabulary of Hugging Face's test_wordpiece_tokenizer.
  const vocabulary = new Set(['[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing']);

  it('splits greedily, longest match first, with ## continuations (test_wordpiece_tokenizer)', () => {
    const tokenizer = new WordPieceTokenizer(vocabulary, { unknownToken: '[UNK]' });
    expect(tokenizer.tokenize('')).toEqual([]);
    expect(tokenizer.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    expect(tokenizer.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
  });

  it('turns a word of more than 100 characters into [UNK], and keeps one of exactly 100', () => {
    const tokenizer = new WordPieceTokenizer(new Set(['[UNK]', 'a', '##a']));
    expect(tokenizer.tokenize('a'.repeat(100))).toEqual(['a', ...new Array(99).fill('##a')]);
    expect(tokenizer.tokenize('a'.repeat(101))).toEqual(['[UNK]']);
    const short = new WordPieceTokenizer(new Set(['[UNK]', 'a', '##a']), { maxInputCharactersPerWord: 2 });
    expect(short.tokenize('aa aaa')).toEqual(['a', '##a', '[UNK]']);
  });

  it('counts and slices code points, so a piece never splits a surrogate pair', () => {
    const tokenizer = new WordPieceTokenizer(new Set(['[UNK]', '\u{1F600}', '##\u{1F600}']), {
      maxInputCharactersPerWord: 2,
    });
    expect(tokenizer.tokenize('\u{1F600}\u{1F600}')).toEqual(['\u{1F600}', '##\u{1F600}']);
    expect(tokenizer.tokenize('\u{1F600}\u{1F600}\u{1F600}')).toEqual(['[UNK]']);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new WordPieceTokenizer(vocabulary, { maxInputCharactersPerWord: 0 })).toThrow(
      'E_TOKENIZER_OPTIONS: maxInputCharactersPerWord must be a positive integer, got 0',
    );
  });
});
