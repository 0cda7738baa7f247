import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const workspace = mkdtempSync(join(tmpdir(), 'tessera-movielens-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

/**
 * A tiny folder in ml-100k's formats (MovieLens itself may not be redistributed): 40 users, 30
 * movies, ratings = user taste + movie quality + noise, rounded to 1–5, 80/20 into u1.base/u1.test.
 */
function writeTinyMovieLens(directory) {
  mkdirSync(directory);
  let seed = 42;
  const random = () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
  const base = [];
  const test = [];
  for (let user = 1; user <= 40; user++) {
    const taste = random() * 2 - 1;
    for (let item = 1; item <= 30; item++) {
      if (random() < 0.5) continue;
      const quality = ((item * 7) % 5) - 2;
      const rating = Math.min(5, Math.max(1, Math.round(3 + taste + 0.6 * quality + (random() - 0.5))));
      (random() < 0.8 ? base : test).push(`${user}\t${item}\t${rating}\t${880000000 + user * 100 + item}`);
    }
  }
  writeFileSync(join(directory, 'u1.base'), `${base.join('\n')}\n`);
  writeFileSync(join(directory, 'u1.test'), `${test.join('\n')}\n`);
  writeFileSync(join(directory, 'u.data'), `${[...base, ...test].join('\n')}\n`);
  const genres = (item) => Array.from({ length: 19 }, (_, genre) => (genre === item % 19 ? 1 : 0)).join('|');
  const items = Array.from(
    { length: 30 },
    (_, index) =>
      `${index + 1}|Movie ${index + 1} (1995)|01-Jan-1995||http://example.org/${index + 1}|${genres(index)}`,
  );
  writeFileSync(join(directory, 'u.item'), `${items.join('\n')}\n`);
  const occupations = ['student', 'engineer', 'writer'];
  const users = Array.from(
    { length: 40 },
    (_, index) => `${index + 1}|${18 + index}|${index % 2 ? 'F' : 'M'}|${occupations[index % 3]}|0000${index}`,
  );
  writeFileSync(join(directory, 'u.user'), `${users.join('\n')}\n`);
  return { base, test };
}

describe('movielens example (smoke test on generated MovieLens-format data)', () => {
  it('trains KNN, MF and DeepFM, prints one table and saves the best model', async () => {
    const data = join(workspace, 'ml-tiny');
    const { base, test } = writeTinyMovieLens(data);
    const output = join(workspace, 'run');
    const { stdout } = await run(
      process.execPath,
      ['movielens.mjs', '--data', data, '--deepfm-epochs', '2', '--out', output],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toMatch(/\| model \| rmse \| mae \| precision@10 \| ndcg@10 \| fit seconds \|/);
    const results = JSON.parse(readFileSync(join(output, 'results.json'), 'utf8'));
    expect(results.rows.map((row) => row.model)).toEqual([
      expect.stringMatching(/^user KNN/),
      expect.stringMatching(/^biased MF/),
      expect.stringMatching(/^DeepFM/),
    ]);
    // Reference: always predicting the training mean. KNN and MF must beat it on this data, whose
    // ratings follow user and movie effects.
    const rating = (line) => Number(line.split('\t')[2]);
    const mean = base.reduce((total, line) => total + rating(line), 0) / base.length;
    const meanRmse = Math.sqrt(test.reduce((total, line) => total + (rating(line) - mean) ** 2, 0) / test.length);
    for (const row of results.rows.slice(0, 2)) expect(Number(row.rmse)).toBeLessThan(meanRmse);
    for (const row of results.rows) expect(Number(row.rmse)).toBeGreaterThan(0);
    expect(results.recommendations).toHaveLength(5);
    expect(existsSync(join(output, 'best-model'))).toBe(true);
    expect(readFileSync(join(output, 'results.md'), 'utf8')).toContain('DeepFM');
  });

  it('says where to get MovieLens when --data is missing', async () => {
    await expect(run(process.execPath, ['movielens.mjs'], { cwd: import.meta.dirname })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('grouplens.org/datasets/movielens/100k'),
    });
  });
});
