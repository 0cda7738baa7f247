/**
 * The byte-level pieces of GPT-2's tokenizer: text ↔ bytes, and bytes ↔ printable characters.
 */

/**
 * GPT-2's pre-tokenisation: contractions, letters, numbers and other symbols (each optionally
 * led by one space), and runs of whitespace — OpenAI's pattern, as js-tiktoken's gpt2 encoding.
 */
export const GPT2_PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's bytes_to_unicode: every byte gets a printable character, so BPE works on strings.
 * Bytes that are already printable Latin-1 (33–126, 161–172, 174–255) map to themselves; the
 * other 68 map to U+0100 onwards in order.
 */
export const byteToCharacter: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
    table[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return table;
})();

export const characterToByte: ReadonlyMap<string, number> = new Map(
  byteToCharacter.map((character, byte) => [character, byte]),
);

/**
 * UTF-8, extended to lone surrogates (WTF-8): a JavaScript string may hold an unpaired
 * surrogate, which UTF-8 cannot express; TextEncoder would turn it into U+FFFD and lose it.
 * Encoding it as the 3-byte sequence its code point would have keeps decode(encode(x)) === x
 * for every string. Valid text encodes exactly as UTF-8.
 */
export function encodeWtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else
      bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Uint8Array.from(bytes);
}

/**
 * The inverse of encodeWtf8. Ill-formed sequences (a token sequence cut mid-character) become
 * U+FFFD (a replacement character per invalid sequence).
 */
export function decodeWtf8(bytes: ArrayLike<number>): string {
  let text = '';
  let i = 0;
  const continuation = (offset: number) => {
    const byte = bytes[i + offset];
    return byte !== undefined && (byte & 0xc0) === 0x80;
  };
  while (i < bytes.length) {
    const first = bytes[i] as number;
    let code = -1;
    let length = 1;
    if (first < 0x80) code = first;
    else if (first >= 0xc2 && first <= 0xdf && continuation(1)) {
      code = ((first & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
      length = 2;
    } else if (first >= 0xe0 && first <= 0xef && continuation(1) && continuation(2)) {
      code = ((first & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      length = 3;
      if (code < 0x800) code = -1; // overlong
    } else if (first >= 0xf0 && first <= 0xf4 && continuation(1) && continuation(2) && continuation(3)) {
      code =
        ((first & 0x07) << 18) |
        (((bytes[i + 1] as number) & 0x3f) << 12) |
        (((bytes[i + 2] as number) & 0x3f) << 6) |
        ((bytes[i + 3] as number) & 0x3f);
      length = 4;
      if (code < 0x10000 || code > 0x10ffff) code = -1;
    }
    if (code < 0) {
      text += '\uFFFD';
      i += 1;
      while (i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80 && first >= 0xc2 && first <= 0xf4) i += 1;
      continue;
    }
    text += String.fromCodePoint(code);
    i += length;
  }
  return text;
}

/** Replaces every adjacent (left, right) in `symbols` by `combined` (their concatenation), left to right. */
export function mergePair(
  symbols: readonly string[],
  left: string,
  right: string,
  combined: string = left + right,
): string[] {
  const merged: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
      merged.push(combined);
      i++;
    } else merged.push(symbols[i] as string);
  }
  return merged;
}
