/**
 * Splitting on Python's whitespace, the first step of BERT's basic tokenisation and of WordPiece
 * (`whitespace_tokenize` in Google BERT's `tokenization.py`). Works on code points.
 */

// Python's `str.split()` separators (`str.isspace()`): what BERT's `whitespace_tokenize` splits on.
// Spelled out rather than `\s`, which differs (it has U+FEFF, lacks U+001C–U+001F and U+0085).
const pythonWhitespace = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** BERT's `whitespace_tokenize`: split on Python's whitespace, dropping empty pieces. */
export function splitOnWhitespace(text: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const character of text) {
    if (pythonWhitespace.has(character.codePointAt(0) ?? -1)) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += character;
    }
  }
  if (word !== '') words.push(word);
  return words;
}
