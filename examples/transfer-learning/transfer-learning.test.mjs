import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-transfer-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('transfer-learning example (smoke test: 2 steps per stage)', () => {
  it('pretrains, swaps the head, fine-tunes, trains the scratch baseline and prints the comparison', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'transfer-learning.mjs',
        ...['--pretrain-images', '256', '--head-epochs', '1', '--unfrozen-epochs', '1', '--max-steps', '2'],
        ...['--out', output],
      ],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toContain('| same CNN from scratch |');
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    // MNIST's published class counts: digits 5–9 have 29,404 training images (1% → 294) and
    // 4,861 test images.
    expect(summary.fineTuneImages).toBe(294);
    expect(summary.testImages).toBe(4861);
    expect(summary.pretrainImages).toBe(256);
    for (const value of Object.values(summary.testAccuracy)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(existsSync(join(output, 'model'))).toBe(true);
  });
});
