import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CharacterTokenizer } from './character-tokenizer.js';

const shakespeare = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/data/tinyshakespeare/input.txt',
);

describe('CharacterTokenizer', () => {
  it("builds nanoGPT's shakespeare_char vocabulary: 65 characters, sorted, exact round trip", async () => {
    const text = await readFile(shakespeare, 'utf8');
    expect(text.length).toBe(1_115_394);
    const tokenizer = CharacterTokenizer.fromText(text);
    expect(tokenizer.vocabularySize).toBe(65);
    expect(tokenizer.characters.slice(0, 3)).toEqual(['\n', ' ', '!']);
    const sample = text.slice(0, 5000);
    expect(tokenizer.decode(tokenizer.encode(sample))).toBe(sample);
    expect(tokenizer.encode('hii there')).toEqual([46, 47, 47, 1, 58, 46, 43, 56, 43]); // nanoGPT's prepare.py example
  });

  it('handles characters beyond the BMP as one token and names unknown characters', () => {
    const tokenizer = CharacterTokenizer.fromText('a😀b');
    expect(tokenizer.encode('😀a')).toEqual([2, 0]);
    expect(() => tokenizer.encode('c')).toThrow('E_TOKENIZER_UNKNOWN: character "c" (U+0063) is not in the vocabulary');
    expect(CharacterTokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer))).decode([2, 1])).toBe('😀b');
  });
});
