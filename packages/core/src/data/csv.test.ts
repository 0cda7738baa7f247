import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks; CRLF and LF; skips blank lines', () => {
    const text = 'name,quote,value\r\n"Smith, J","said ""hi""",1\n\nplain,"two\nlines",2\n';
    expect(parseCsv(text)).toEqual([
      ['name', 'quote', 'value'],
      ['Smith, J', 'said "hi"', '1'],
      ['plain', 'two\nlines', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(parseCsv('a,b,c\n1,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', ''],
    ]);
  });

  it('names the line of a ragged row and of an unclosed quote', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/E_CSV_FORMAT: line 3 has 1 fields, the header has 2/);
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow(/E_CSV_FORMAT: a quoted field opened on line 2 is never closed/);
  });
});
