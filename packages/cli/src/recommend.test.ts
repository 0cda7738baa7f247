import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@tessera/core';
import { BaselinePredictor, createRatings, exportRecommender, RatingMatrix, saveRecommender } from '@tessera/recsys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `tessera recommend` run as a user runs it: the built executable on a model saved by @tessera/recsys. */

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
let directory: string;

function tessera(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TESSERA_BACKEND: '' },
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' }); // saveRecommender writes safetensors through tensors
  directory = await mkdtemp(join(tmpdir(), 'tessera-recommend-'));
  // Items a…e with clearly ordered quality: a is loved, e is hated; user u1 has already rated a and b.
  const quality: Record<string, number> = { a: 5, b: 4, c: 3.5, d: 2, e: 1 };
  const rows = [];
  for (const user of ['u1', 'u2', 'u3', 'u4']) {
    for (const [item, rating] of Object.entries(quality)) {
      if (user === 'u1' && !['a', 'b'].includes(item)) continue;
      rows.push({ userId: user, itemId: item, rating });
    }
  }
  const model = new BaselinePredictor().fit(RatingMatrix.fromRatings(createRatings(rows)));
  await saveRecommender(model, join(directory, 'model'));
  await exportRecommender(join(directory, 'export'), model);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('tessera recommend', () => {
  it("lists a user's best unseen items by predicted rating, as text or JSON", () => {
    const text = tessera('recommend', join(directory, 'model'), '--user', 'u1', '--k', '2');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/top 2 for user u1/);
    const json = tessera('recommend', join(directory, 'model'), '--user', 'u1', '--k', '3', '--json');
    expect(json.status).toBe(0);
    const { items } = JSON.parse(json.stdout) as { items: Array<{ itemId: string; score: number }> };
    // a and b were seen; the rest in order of the item biases.
    expect(items.map((item) => item.itemId)).toEqual(['c', 'd', 'e']);
    const withSeen = JSON.parse(
      tessera('recommend', join(directory, 'model'), '--user', 'u1', '--k', '2', '--json', '--include-seen').stdout,
    ) as { items: Array<{ itemId: string }> };
    expect(withSeen.items.map((item) => item.itemId)).toEqual(['a', 'b']);
  });

  it('reads a directory written by exportRecommender too', () => {
    const json = tessera('recommend', join(directory, 'export'), '--user', 'u1', '--k', '3', '--json');
    expect(json.status).toBe(0);
    const { items } = JSON.parse(json.stdout) as { items: Array<{ itemId: string }> };
    expect(items.map((item) => item.itemId)).toEqual(['c', 'd', 'e']);
  });

  it('fails with a one-line message on bad usage, a missing directory or an unknown user', () => {
    const usage = tessera('recommend', join(directory, 'model'), '--k', '2');
    expect(usage.status).not.toBe(0);
    expect(usage.stderr).toMatch(/E_CLI_USAGE.*exactly one of --user/);
    const badK = tessera('recommend', join(directory, 'model'), '--user', 'u1', '--k', 'many');
    expect(badK.stderr).toMatch(/E_CLI_USAGE.*--k must be a positive integer/);
    const missing = tessera('recommend', join(directory, 'nowhere'), '--user', 'u1');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/cannot read config\.json/);
    const unknown = tessera('recommend', join(directory, 'model'), '--user', 'nobody');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/nobody/);
  });
});
