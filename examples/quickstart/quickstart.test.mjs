import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initBackend } from '@tessera/core';
import { loadTransformerExport } from '@tessera/transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-quickstart-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
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
    // The fine-tuned model is exported twice, loadable with one call; int8 weights are ~4x smaller.
    expect(summary.exports).toEqual({ float32: join(output, 'export'), int8: join(output, 'export-int8') });
    const sizes = {};
    for (const [name, directory] of Object.entries(summary.exports)) {
      const manifest = JSON.parse(readFileSync(join(directory, 'tessera.json'), 'utf8'));
      expect(manifest.kind).toBe('gpt');
      sizes[name] = statSync(join(directory, 'model.safetensors')).size;
      const loaded = await loadTransformerExport(directory);
      expect(loaded.kind).toBe('gpt');
      expect(loaded.model.parameterCount()).toBe(summary.parameters);
      loaded.model.dispose();
    }
    expect(sizes.int8).toBeLessThan(sizes.float32 / 3);
    expect(stdout).toContain(`npx tessera serve ${join(output, 'export')}`);
  });
});
