import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandomGenerator, initBackend } from '@tessera/core';
import { BaselinePredictor, createRatings, exportRecommender, RatingMatrix } from '@tessera/recsys';
import {
  createImageClassifier,
  exportImageClassifier,
  predictImageFiles,
  saveImageClassifier,
  writeImageFile,
} from '@tessera/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `tessera predict` and `tessera info` on exports (through their kinds) and on saveImageClassifier directories. */

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
const classNames = 'zero one two three four five six seven eight nine'.split(' ');
let directory: string;
let images: string[];
/** What the library's predictImageFiles gives the same model on the same files. */
let reference: { path: string; probabilities: number[] }[];

function tessera(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TESSERA_BACKEND: 'wasm' },
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-predict-'));
  const model = createImageClassifier('lenet5', { classCount: 10, random: createRandomGenerator(4) });
  const description = { architecture: 'lenet5' as const, config: { classCount: 10 }, classNames };
  await saveImageClassifier(join(directory, 'saved'), model, description);
  await exportImageClassifier(join(directory, 'exported'), model, description);
  images = [join(directory, 'light.png'), join(directory, 'stripes.png')];
  await writeImageFile(images[0] as string, {
    pixels: new Uint8Array(28 * 28).fill(220),
    height: 28,
    width: 28,
    channels: 1,
  });
  await writeImageFile(images[1] as string, {
    pixels: new Uint8Array(28 * 28).map((_, index) => (index % 28 < 14 ? 0 : 255)),
    height: 28,
    width: 28,
    channels: 1,
  });
  reference = await predictImageFiles(model, images, { inputShape: model.inputShape, classNames });
  model.dispose();
  const rows = [];
  for (const user of ['u1', 'u2', 'u3']) {
    for (const [item, rating] of Object.entries({ a: 5, b: 4, c: 3.5, d: 2, e: 1 })) {
      if (user === 'u1' && item !== 'a' && item !== 'b') continue; // u1 has seen a and b
      if (user === 'u2' && item !== 'a' && item !== 'c') continue; // u2 has seen a and c
      rows.push({ userId: user, itemId: item, rating });
    }
  }
  await exportRecommender(
    join(directory, 'recommender'),
    new BaselinePredictor().fit(RatingMatrix.fromRatings(createRatings(rows))),
  );
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** `path: name 12.3%, name 4.5%` for the `top` classes of a reference prediction. */
function expectedLine(prediction: { path: string; probabilities: number[] }, top: number): string {
  const ranked = prediction.probabilities
    .map((probability, index) => ({ probability, name: classNames[index] as string }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, top);
  return `${prediction.path}: ${ranked.map(({ name, probability }) => `${name} ${(100 * probability).toFixed(1)}%`).join(', ')}`;
}

describe('tessera predict', () => {
  it('classifies image files with an image-classifier export as with a saveImageClassifier directory', () => {
    for (const model of ['exported', 'saved']) {
      const text = tessera('predict', join(directory, model), ...images, '--top', '2');
      expect(text.stderr).toBe('');
      expect(text.stdout.trim().split('\n')).toEqual(reference.map((prediction) => expectedLine(prediction, 2)));
      const defaultTop = tessera('predict', join(directory, model), images[0] as string);
      expect(defaultTop.stdout.trim()).toBe(expectedLine(reference[0] as (typeof reference)[0], 3));
    }
    const exported = JSON.parse(tessera('predict', join(directory, 'exported'), ...images, '--json').stdout);
    const saved = JSON.parse(tessera('predict', join(directory, 'saved'), ...images, '--json').stdout);
    expect(exported).toEqual(saved);
    expect(exported[1].probabilities).toHaveLength(10);
    exported[1].probabilities.forEach((probability: number, index: number) => {
      expect(probability).toBeCloseTo(reference[1]?.probabilities[index] as number, 5);
    });
  });

  it("recommends with a recommender export: user ids in, the user's best unseen items out", () => {
    const text = tessera('predict', join(directory, 'recommender'), 'u1', 'u2', '--top', '2');
    expect(text.stderr).toBe('');
    const [u1, u2] = text.stdout.trim().split('\n');
    // The items each user has not seen, ranked by the item biases (a > b > c > d > e).
    expect(u1).toMatch(/^u1: c \d+\.\d{4}, d \d+\.\d{4}$/);
    expect(u2).toMatch(/^u2: b \d+\.\d{4}, d \d+\.\d{4}$/);
    const unknown = tessera('predict', join(directory, 'recommender'), 'nobody');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^tessera: .*'nobody'.*\n$/);
  });

  it('lists what each registered kind takes in its help', () => {
    const help = tessera('predict', '--help').stdout.replace(/\s+/g, ' '); // commander wraps lines
    expect(help).toMatch(/image-classifier: PNG\/JPEG files/);
    expect(help).toMatch(/recommender: user ids/);
  });
});

describe('tessera info on an export', () => {
  it("prints the manifest's kind and producer, the kind's description of the model, then the tensors", () => {
    const info = tessera('info', join(directory, 'exported'));
    expect(info.stderr).toBe('');
    const lines = info.stdout.split('\n');
    expect(lines[0]).toMatch(
      /exported: 'image-classifier' export by @tessera\/vision \S+ \(created .+, float32 weights\)$/,
    );
    expect(info.stdout).toMatch(/\n {2}architecture: "lenet5"\n/);
    expect(info.stdout).toMatch(/\n {2}inputShape: \[28,28,1\]\n/);
    expect(info.stdout).toMatch(/tessera serve answers POST \/v1\/classify/);
    expect(info.stdout).toMatch(/model\.safetensors: \d+ tensors, [\d,]+ parameters/);
    const json = JSON.parse(tessera('info', join(directory, 'recommender'), '--json').stdout);
    expect(json.export).toMatchObject({
      kind: 'recommender',
      producer: { name: '@tessera/recsys' },
      registered: { packageName: '@tessera/recsys', config: { recommender: 'baseline', users: 3, items: 5 } },
    });
    expect(json.file).toMatch(/model\.safetensors$/);
    expect(Array.isArray(json.tensors)).toBe(true);
  });
});
