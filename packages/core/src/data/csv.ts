import { TesseraError } from '../errors.js';

/**
 * CSV as RFC 4180 defines it: comma-separated fields, optional double quotes around a field,
 * `""` for a quote inside one, quoted fields may hold commas and line breaks, CRLF or LF line
 * ends. Blank lines are skipped. Returns rows of raw strings; a row of a different width than the
 * first is an error naming its line.
 */
export function parseCsv(text: string, options: { delimiter?: string } = {}): string[][] {
  const delimiter = options.delimiter ?? ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    if (row.length > 0 || fieldStarted || field !== '') {
      row.push(field);
      if (rows.length > 0 && row.length !== (rows[0] as string[]).length) {
        throw new TesseraError(
          'E_CSV_FORMAT',
          `line ${rowLine} has ${row.length} fields, the header has ${(rows[0] as string[]).length}`,
        );
      }
      rows.push(row);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const character = text[i] as string;
    if (quoted) {
      if (character === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (character === '\n') line++;
        field += character;
      }
      continue;
    }
    if (character === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (character === delimiter) {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += character;
    }
  }
  if (quoted) throw new TesseraError('E_CSV_FORMAT', `a quoted field opened on line ${rowLine} is never closed`);
  endRow();
  return rows;
}

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Reads a CSV file whose first row is a header. */
export async function readCsv(path: string, options: { delimiter?: string } = {}): Promise<CsvTable> {
  let text: string;
  try {
    // Imported on first use through a computed specifier, so browser bundles (which get parseCsv) never include it.
    const specifier = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TesseraError('E_CSV_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let rows: string[][];
  try {
    rows = parseCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options);
  } catch (error) {
    if (error instanceof TesseraError)
      throw new TesseraError(error.code, `${path}: ${error.message.replace(/^E_\w+: /, '')}`);
    throw error;
  }
  if (rows.length === 0) throw new TesseraError('E_CSV_FORMAT', `${path} is empty: expected a header row`);
  return { header: rows[0] as string[], rows: rows.slice(1) };
}
