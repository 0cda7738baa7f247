import { TesseraError } from '@tessera/core';

/**
 * The tokens of a WordPiece `vocab.txt`, by id: one token per line, the id is the line number
 * (from 0). LF and CRLF line ends both work and a final newline is optional; an empty line in the
 * middle is kept as a token so that the ids after it stay right.
 */
export function parseWordPieceVocabulary(text: string): string[] {
  if (text.trimStart().startsWith('{') && parsesAsJson(text))
    throw new TesseraError(
      'E_TOKENIZER_FORMAT',
      'the vocabulary is JSON; WordPiece expects vocab.txt with one token per line ' +
        '(vocab.json and tokenizer.json are other formats)',
    );
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new TesseraError('E_TOKENIZER_VOCABULARY', 'the vocabulary is empty');
  return lines;
}

/** Reads and parses a `vocab.txt` (see {@link parseWordPieceVocabulary}); errors name the file. */
export async function readWordPieceVocabulary(path: string): Promise<string[]> {
  let bytes: Uint8Array;
  try {
    // Imported on first use through a computed specifier, so browser bundles never include it.
    const specifier = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TesseraError(
      'E_TOKENIZER_IO',
      `cannot read vocabulary file '${path}' (${reason}); check that the path names a readable vocab.txt`,
      { cause: error },
    );
  }
  let text: string;
  try {
    // fatal: decoding leniently would silently turn the accented tokens of a Latin-1 file into U+FFFD.
    // The decoder drops a leading byte-order mark, which would otherwise glue itself to the first token.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new TesseraError('E_TOKENIZER_VOCABULARY', `vocabulary file '${path}' is not valid UTF-8; re-encode it`, {
      cause: error,
    });
  }
  try {
    return parseWordPieceVocabulary(text);
  } catch (error) {
    if (error instanceof TesseraError)
      throw new TesseraError(error.code, `${error.message.slice(error.code.length + 2)} (in '${path}')`, {
        cause: error,
      });
    throw error;
  }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
