import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-mnist-cnn-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('mnist-cnn example (smoke test: 6 steps on 640 images)', () => {
  it('trains, evaluates on the test set, prints the confusion matrix and saves the model and pictures', async () => {
    const { stdout } = await run(
      process.execPath,
      ['mnist-cnn.mjs', '--train-images', '640', '--epochs', '1', '--max-steps', '6', '--out', output],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toMatch(/Training a 34,826-parameter CNN on 640 MNIST digits/);
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(6);
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.testAccuracy).toBeLessThanOrEqual(1);
    // The printed confusion matrix counts every one of the 10,000 test images exactly once.
    const rows = stdout.split('\n').filter((line) => /^ {2}\d {2}/.test(line));
    expect(rows).toHaveLength(10);
    const total = rows.flatMap((line) => line.trim().split(/\s+/).slice(1).map(Number)).reduce((a, b) => a + b, 0);
    expect(total).toBe(10000);
    for (const file of ['predictions.png', 'confusion-matrix.png', 'report/index.html', 'model', 'checkpoints/last']) {
      expect(existsSync(join(output, file)), file).toBe(true);
    }
  });
});
