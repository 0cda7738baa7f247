import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-federated-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('federated example (smoke test: 2 rounds on 600 images)', () => {
  it('runs a server and three client processes over TLS to the last round', async () => {
    // A port from the dynamic range, different per run, so parallel CI jobs do not collide.
    const port = 20000 + (process.pid % 20000);
    const { stdout } = await run(
      process.execPath,
      [
        'federated.mjs',
        '--rounds',
        '2',
        '--train-images',
        '600',
        '--test-images',
        '500',
        '--port',
        String(port),
        '--out',
        output,
      ],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    for (const client of ['hospital-a', 'hospital-b', 'hospital-c'])
      expect(stdout).toContain(`server: ${client} connected`);
    const history = JSON.parse(readFileSync(join(output, 'history.json'), 'utf8'));
    expect(history.map((record) => record.round)).toEqual([1, 2]);
    // Every client took part and the label-skewed shares add up to all 600 images.
    for (const record of history) {
      expect(record.participants.sort()).toEqual(['hospital-a', 'hospital-b', 'hospital-c']);
      expect(record.exampleCount).toBe(600);
      expect(record.secureAggregation).toBe(true);
    }
    // Two rounds of SGD from random weights beat guessing among 10 digits (10%) by a wide margin.
    expect(history.at(-1).metrics.accuracy).toBeGreaterThan(0.3);
    expect(history.at(-1).trainingLoss).toBeLessThan(Math.log(10));
    expect(existsSync(join(output, 'server', 'server-state.json'))).toBe(true);
    expect(readdirSync(join(output, 'server')).some((name) => name.endsWith('.safetensors'))).toBe(true);
  });
});
