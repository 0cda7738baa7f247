import { describe, expect, it } from 'vitest';
import { trainWordPiece } from './train-wordpiece.js';

// Worked by hand (BPE over `##`-prefixed continuations, ties broken by the pair's text):
// hug×5 pug×2 bun×4 hugs×2 → pairs (##u ##g) 9, (h ##u) 7, (b ##u) 4, (##u ##n) 4, …
// merges: ##u+##g → ##ug (9); h+##ug → hug (7); ##u+##n → ##un (4, '#' sorts before 'b'); b+##un → bun (4).
const corpus = ['hug hug hug hug hug pug pug', 'bun bun bun bun hugs hugs'];

describe('trainWordPiece', () => {
  it('learns the merges worked out by hand, in order, after the special tokens and the alphabet', () => {
    const tokenizer = trainWordPiece(corpus, { vocabularySize: 20 });
    expect(tokenizer.vocabulary).toEqual([
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'b',
      'g',
      'h',
      'n',
      'p',
      's',
      'u',
      '##g',
      '##n',
      '##s',
      '##u',
      '##ug',
      'hug',
      '##un',
      'bun',
    ]);
    expect(tokenizer.tokenize('Hugs, PUN!')).toEqual(['hug', '##s', '[UNK]', 'p', '##un', '[UNK]']);
  });

  it('stops at the vocabulary size or when no pair is frequent enough; special tokens stay whole', () => {
    expect(trainWordPiece(corpus, { vocabularySize: 18 }).vocabulary.slice(16)).toEqual(['##ug', 'hug']);
    // With minimumFrequency 5 only the pairs seen ≥ 5 times merge.
    expect(trainWordPiece(corpus, { vocabularySize: 100, minimumFrequency: 5 }).vocabulary.slice(16)).toEqual([
      '##ug',
      'hug',
    ]);
    const tokenizer = trainWordPiece(corpus, { vocabularySize: 30, specialTokens: ['[UNK]', '<doc>'] });
    expect(tokenizer.vocabulary.slice(0, 2)).toEqual(['[UNK]', '<doc>']);
    expect(tokenizer.tokenize('<doc> bun')).toEqual(['<doc>', 'bun']);
  });

  it('every training word is spelled without [UNK]; the alphabet limit keeps the frequent characters', () => {
    const texts = ['The quick brown fox jumps over the lazy dog.', 'Ünïcödé wörds and 中文 characters, twice: 中文!'];
    const tokenizer = trainWordPiece(texts, { vocabularySize: 200 });
    for (const text of texts) expect(tokenizer.tokenize(text)).not.toContain('[UNK]');
    // Only 'o' and 'e' (the two most frequent) survive a limit of 2: words with others are unknown.
    const limited = trainWordPiece(['eeee oooo eo xy'], { vocabularySize: 20, alphabetLimit: 2 });
    expect(limited.vocabulary.slice(5, 9)).toEqual(['e', 'o', '##e', '##o']);
    expect(limited.tokenize('eo xy')).toEqual(['e', '##o', '[UNK]']);
  });

  it('refuses a vocabulary smaller than the special tokens and the alphabet, and a missing [UNK]', () => {
    expect(() => trainWordPiece(corpus, { vocabularySize: 10 })).toThrow(/E_TOKENIZER_TRAINING.*≥ 16/);
    expect(() => trainWordPiece(corpus, { vocabularySize: 30, specialTokens: ['[PAD]'] })).toThrow(
      /E_TOKENIZER_TRAINING.*\[UNK\]/,
    );
  });
});
