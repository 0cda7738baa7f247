import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-quickstart-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('quickstart (smoke test on a tiny budget)', () => {
  it('pretrains, fine-tunes, evaluates, samples and leaves run directories with reports and checkpoints', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'quickstart.mjs',
        '--pretrain-steps',
        '3',
        '--fine-tune-steps',
        '2',
        '--evaluation-batches',
        '1',
        '--out',
        output,
      ],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toMatch(/1\/4 Pretraining a 0\.80M-parameter GPT/);
    expect(stdout).toMatch(/4\/4 After fine-tuning/);
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    expect(summary.pretraining.steps).toBe(3);
    for (const losses of [summary.pretraining.heldOutLoss, summary.fineTuning.heldOutLoss]) {
      // Above zero and below uniform guessing over 65 characters (ln 65 ≈ 4.17) plus slack.
      expect(losses.shakespeare).toBeGreaterThan(0);
      expect(losses.mobyDick).toBeLessThan(4.5);
    }
    expect(summary.fineTuning.sample.startsWith('Call me ')).toBe(true);
    for (const stage of ['pretrain', 'fine-tune']) {
      expect(existsSync(join(output, stage, 'report', 'index.html'))).toBe(true);
      expect(readdirSync(join(output, stage, 'checkpoints'))).toContain('last');
      expect(stdout).toContain(join(output, stage, 'report', 'index.html'));
    }
  });
});
