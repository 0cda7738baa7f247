import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-autoencoder-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('autoencoder example (smoke test: 4 steps, 500 test images)', () => {
  it('lowers the reconstruction error and writes the picture and weights', async () => {
    const { stdout } = await run(
      process.execPath,
      ['autoencoder.mjs', '--train-images', '256', '--test-images', '500', '--max-steps', '4', '--out', output],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toMatch(/Test mean squared error per pixel: \d\.\d+ before training → \d\.\d+ after/);
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    expect(summary.codeSize).toBe(196); // 7 × 7 × 4 numbers for 784 pixels
    expect(summary.steps).toBe(4);
    expect(summary.testImages).toBe(500);
    // Four Adam steps from a sigmoid output stuck near 0.5 already move towards the mostly black
    // digits: the error must drop, and it is bounded by 1 for pixels in [0, 1].
    expect(summary.testMeanSquaredError).toBeLessThan(summary.testMeanSquaredErrorBefore);
    expect(summary.testMeanSquaredErrorBefore).toBeLessThan(1);
    const png = readFileSync(join(output, 'reconstructions.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(existsSync(join(output, 'autoencoder.safetensors'))).toBe(true);
  });
});
