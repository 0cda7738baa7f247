import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const output = mkdtempSync(join(tmpdir(), 'tessera-bert-spam-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

describe('bert-spam example (smoke test: 300 messages, 2 pretraining steps, 1 fine-tuning epoch)', () => {
  it('pretrains, fine-tunes three classifiers and saves the encoder, classifier and LoRA adapters', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'bert-spam.mjs',
        ...['--messages', '300', '--pretrain-steps', '2', '--labelled', '32', '--epochs', '1'],
        ...['--max-length', '24', '--vocabulary', '500', '--out', output],
      ],
      { cwd: import.meta.dirname, env: { ...process.env, TESSERA_BACKEND: 'wasm' } },
    );
    expect(stdout).toContain('| pretrained, LoRA r=8 + classifier |');
    const summary = JSON.parse(readFileSync(join(output, 'summary.json'), 'utf8'));
    // A stratified 300 of the corpus' 6,046 messages, 20% held out.
    expect(summary.messages.total).toBe(300);
    expect(summary.messages.test).toBe(60);
    expect(summary.messages.labelled).toBe(32);
    const [scratch, full, lora] = summary.results;
    expect(full.trainableParameters).toBe(scratch.trainableParameters);
    // LoRA trains adapters, pooler and classifier only: a small fraction of the encoder's weights.
    expect(lora.trainableParameters).toBeLessThan(full.trainableParameters / 10);
    for (const row of summary.results) {
      expect(row.accuracy).toBeGreaterThanOrEqual(0);
      expect(row.accuracy).toBeLessThanOrEqual(1);
    }
    for (const file of ['pretrained-bert/config.json', 'pretrained-bert/vocab.txt', 'lora-adapters.safetensors']) {
      expect(existsSync(join(output, file)), file).toBe(true);
    }
  });
});
