import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-dp-mnist-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('dp-mnist example (smoke test: 4 private steps on 2,000 images)', () => {
  it('chooses σ for the target ε, trains privately and reports ε within the budget', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'dp-mnist.mjs',
        '--train-images',
        '2000',
        '--epochs',
        '1',
        '--max-steps',
        '4',
        '--target-epsilon',
        '2',
        '--out',
        output,
      ],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toMatch(/noise σ = \d+\.\d+ for ε = 2 at δ = 0\.00001/);
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(4);
    // σ is computed for a full epoch at ε = 2; after 4 of its 8 steps less than that is spent.
    const { epsilon } = summary.perEpoch.at(-1);
    expect(epsilon).toBeGreaterThan(0);
    expect(epsilon).toBeLessThan(2);
    expect(summary.noiseMultiplier).toBeGreaterThan(0.3);
    expect(existsSync(join(output, 'model.safetensors'))).toBe(true);
  });
});
