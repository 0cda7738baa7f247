import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-gpt-shakespeare-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));
const options = { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } };

describe('gpt-shakespeare example (smoke test: 2 steps, then 30 sampled characters)', () => {
  it('trains and saves a GPT, then sample.mjs loads it and streams text after the prompt', async () => {
    const train = await run(
      process.execPath,
      ['train.mjs', '--steps', '2', '--batch-size', '4', '--evaluation-batches', '1', '--out', output],
      options,
    );
    expect(train.stdout).toMatch(/Pretraining a 0\.80M-parameter GPT on 1,003,854 characters/); // nanoGPT's 90% split
    const saved = JSON.parse(readFileSync(join(output, 'model.json'), 'utf8'));
    expect(saved.tokenizer.characters).toHaveLength(65); // tinyshakespeare's 65 distinct characters
    expect(saved.validationLoss).toBeLessThan(Math.log(65) + 0.5);
    expect(existsSync(join(output, 'model.safetensors'))).toBe(true);

    const sample = await run(
      process.execPath,
      ['sample.mjs', '--model', output, '--prompt', 'KING:\\n', '--tokens', '30'],
      options,
    );
    const text = sample.stdout.split('---\n')[1].replace(/\n$/, '');
    expect(text.startsWith('KING:\n')).toBe(true);
    expect(text.length).toBe('KING:\n'.length + 30);
    for (const character of text) expect(saved.tokenizer.characters).toContain(character);
  });

  it('sample.mjs says to train first when there is no model', async () => {
    await expect(
      run(process.execPath, ['sample.mjs', '--model', join(output, 'missing')], options),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('E_EXAMPLE_NO_MODEL') });
  });
});
