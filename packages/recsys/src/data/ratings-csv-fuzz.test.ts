import { createRandomGenerator } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { type FuzzCase, fuzzCaseCount, runFuzzCases } from '../../../../scripts/testing/fuzz-outcomes.js';
import type { Ratings } from './ratings.js';
import { parseRatingsCsv } from './ratings-csv.js';

/**
 * Seeded ratings CSVs, valid and damaged (empty or whitespace fields, non-numbers, out-of-scale
 * ratings, stray commas and quotes, truncation, header only), through `parseRatingsCsv`. A
 * reference reader written here from the documented rules decides which are valid and what they
 * hold: a valid file must be read to the same rows, an invalid one refused with a code.
 */

interface CsvInput {
  text: string;
  scale?: { minimum: number; maximum: number };
}

const random = createRandomGenerator(2022);
const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)] as T;

const HEADERS = [
  ['userId', 'movieId', 'rating', 'timestamp'], // MovieLens's own: its 0.5–5 scale applies
  ['user_id', 'item_id', 'rating'],
  ['rating', 'itemId', 'userId', 'timestamp'],
  ['userId', 'itemId', 'rating', 'timestamp', 'tag'],
];
const STARS = ['0.5', '1', '1.5', '2.0', '2.5', '3', '3.5', '4.0', '4.5', '5', '5.0'];
const JUNK = [
  '',
  ' ',
  '  ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-5',
  '6',
  '1e30',
  '0x10',
  '4abc',
  '"4"',
  '+3',
  '.5',
  '3.',
  '1e1',
  '-0',
  '\t2',
];

function row(header: readonly string[], index: number): string[] {
  return header.map((name) => {
    if (name === 'rating') return pick(STARS);
    if (name === 'timestamp') return String(881250949 + index * 17);
    if (name === 'tag') return pick(['funny', 'dark', '']);
    return random.nextFloat() < 0.1 ? `"${random.nextInt(50)}"` : String(1 + random.nextInt(50));
  });
}

function validFile(): { header: string[]; rows: string[][] } {
  const header = pick(HEADERS);
  return { header, rows: Array.from({ length: 1 + random.nextInt(12) }, (_, index) => row(header, index)) };
}

const join = (header: readonly string[], rows: readonly (readonly string[])[], newline = '\n') =>
  [header.join(','), ...rows.map((fields) => fields.join(','))].join(newline) + newline;

const mutations: [string, () => CsvInput][] = [
  [
    'unchanged',
    () => {
      const { header, rows } = validFile();
      return { text: join(header, rows) };
    },
  ],
  [
    'unchanged, CRLF and blank lines',
    () => {
      const { header, rows } = validFile();
      return { text: join(header, rows, '\r\n').replace('\r\n', '\r\n\r\n  \r\n') };
    },
  ],
  [
    'replace a field',
    () => {
      const { header, rows } = validFile();
      const target = pick(rows);
      target[random.nextInt(target.length)] = pick(JUNK);
      return { text: join(header, rows) };
    },
  ],
  [
    'replace the rating',
    () => {
      const { header, rows } = validFile();
      pick(rows)[header.indexOf('rating')] = pick(JUNK);
      return { text: join(header, rows) };
    },
  ],
  [
    'declared scale',
    () => {
      const { header, rows } = validFile();
      if (random.nextFloat() < 0.5) pick(rows)[header.indexOf('rating')] = pick(['0', '7', '10', '-1', '2.5']);
      return {
        text: join(header, rows),
        scale: pick([
          { minimum: 1, maximum: 5 },
          { minimum: 0, maximum: 10 },
        ]),
      };
    },
  ],
  [
    'edit characters',
    () => {
      const { header, rows } = validFile();
      const characters = [...join(header, rows)];
      for (let count = 1 + random.nextInt(3); count > 0; count--) {
        const position = random.nextInt(characters.length);
        const character = pick([',', '"', ' ', '\n', '\r', '\u0000', '.', '-', 'e', '9', '\ufffd', '']);
        if (random.nextFloat() < 0.5) characters.splice(position, 1, character);
        else characters.splice(position, 0, character);
      }
      return { text: characters.join('') };
    },
  ],
  [
    'truncate',
    () => {
      const { header, rows } = validFile();
      return { text: join(header, rows).slice(0, random.nextInt(200)) };
    },
  ],
  ['header only', () => ({ text: `${pick(HEADERS).join(',')}${pick(['', '\n', '\n\n', '\r\n'])}` })],
  ['empty', () => ({ text: pick(['', '\n', ' ']) })],
];

// --- The reference reader: the rules parseRatingsCsv documents, written out independently ---

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const unquote = (field: string) =>
  field
    .trim()
    .replace(/^"(.*)"$/s, '$1')
    .trim();
const CONTROL_OR_QUOTE = /[\p{Cc}"]/u;

type Reference =
  | { valid: true; userIds: string[]; itemIds: string[]; values: number[] }
  | { valid: false; why: string };

function reference({ text, scale }: CsvInput): Reference {
  const lines = text
    .replace(/^\ufeff/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  const header = (lines[0] ?? '').split(',').map(unquote);
  const position = (names: string[]) => header.findIndex((name) => names.includes(name));
  const columns = {
    user: position(['userId', 'user_id', 'user']),
    item: position(['movieId', 'itemId', 'movie_id', 'item_id', 'item']),
    rating: position(['rating']),
    timestamp: position(['timestamp']),
  };
  if (columns.user < 0 || columns.item < 0 || columns.rating < 0) return { valid: false, why: 'header' };
  const movieLens = header.join(',') === 'userId,movieId,rating,timestamp';
  const bounds = scale ?? (movieLens ? { minimum: 0.5, maximum: 5 } : { minimum: -(2 ** 24), maximum: 2 ** 24 });
  const result = { valid: true as const, userIds: [] as string[], itemIds: [] as string[], values: [] as number[] };
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.split(',').map(unquote);
    if (fields.length !== header.length) return { valid: false, why: 'field count' };
    const [user, item, rating] = [fields[columns.user], fields[columns.item], fields[columns.rating]] as string[];
    if (user === '' || item === '') return { valid: false, why: 'empty id' };
    const used = [columns.user, columns.item, columns.rating, columns.timestamp].filter((column) => column >= 0);
    if (used.some((column) => CONTROL_OR_QUOTE.test(fields[column] as string))) {
      return { valid: false, why: 'a stray quote or control character' };
    }
    if (!DECIMAL.test(rating)) return { valid: false, why: `rating '${rating}'` };
    const value = Number(rating);
    if (!(value >= bounds.minimum && value <= bounds.maximum))
      return { valid: false, why: `rating ${value} off scale` };
    if (columns.timestamp >= 0 && !DECIMAL.test(fields[columns.timestamp] as string)) {
      return { valid: false, why: 'timestamp' };
    }
    if (columns.timestamp >= 0 && !Number.isFinite(Number(fields[columns.timestamp]))) {
      return { valid: false, why: 'timestamp' };
    }
    result.userIds.push(user);
    result.itemIds.push(item);
    result.values.push(value);
  }
  if (result.values.length === 0) return { valid: false, why: 'no ratings' };
  return result;
}

function* cases(count: number): Generator<FuzzCase<CsvInput>> {
  for (let index = 0; index < count; index++) {
    const [name, make] = mutations[index % mutations.length] as [string, () => CsvInput];
    const input = make();
    yield { name, input, valid: reference(input).valid };
  }
}

describe('fuzzed ratings CSV', () => {
  it('reads exactly what a reference reader accepts and refuses the rest with a code', () => {
    const report = runFuzzCases(
      cases(fuzzCaseCount(450)),
      (input) => parseRatingsCsv(input.text, 'ratings.csv', input.scale === undefined ? {} : { scale: input.scale }),
      {
        timeLimitMs: 1000,
        garbage: (input, ratings: Ratings) => {
          const expected = reference(input);
          if (!expected.valid) return `accepted although ${expected.why} is wrong`;
          const read = {
            userIds: [...ratings.userIds],
            itemIds: [...ratings.itemIds],
            values: Array.from(ratings.values),
          };
          const want = {
            userIds: expected.userIds,
            itemIds: expected.itemIds,
            values: expected.values.map(Math.fround),
          };
          return JSON.stringify(read) === JSON.stringify(want) ? undefined : `read ${JSON.stringify(read)}`;
        },
      },
    );
    console.log(`ratings CSV fuzz: ${JSON.stringify(report.counts)}; failures ${JSON.stringify(report.failureCounts)}`);
    expect(report.failures).toEqual([]);
    for (const code of ['ok', 'E_RECSYS_DATA_FORMAT', 'E_RECSYS_RATING', 'E_RECSYS_EMPTY']) {
      expect(report.counts[code] ?? 0, `${code} in ${JSON.stringify(report.counts)}`).toBeGreaterThan(0);
    }
  });
});
