import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, initBackend, loadSafetensors, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package entry, which registers every Hugging Face architecture (in its order).
import { loadPretrained, savePretrained } from '../../index.js';

/** ../shared beside the repository root (as in CI). */
const fixture = join(dirname(fileURLToPath(import.meta.url)), '../../../../../../shared/fixtures/tiny-gpt2');

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-hf-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadPretrained (Hugging Face GPT-2)', () => {
  for (const backend of ['wasm', 'cpu'] as BackendName[]) {
    it(`reproduces the PyTorch reference logits of tiny-gpt2 within 1e-4 (${backend})`, async () => {
      await initBackend({ backend });
      const reference = JSON.parse(await readFile(join(fixture, 'reference-logits.json'), 'utf8')) as {
        input_ids: number[][];
        logits: number[][][];
      };
      const { model } = await loadPretrained(fixture, { modelType: 'gpt2' });
      expect(model.training).toBe(false);
      const logits = model.forward(tf.tensor2d(reference.input_ids, undefined, 'int32'));
      expect(logits.shape).toEqual([2, 20, 101]);
      const actual = Array.from(await logits.data());
      const expected = reference.logits.flat(2);
      const maximum = Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] as number))));
      expect(maximum).toBeLessThan(1e-4);
      logits.dispose();
      model.dispose();
    });
  }

  it('exports the same layout back: identical tensors under the same names, the same config', async () => {
    await initBackend({ backend: 'wasm' });
    const { model, huggingFaceConfig } = await loadPretrained(fixture);
    const exported = join(directory, 'exported');
    await savePretrained(model, exported, { huggingFaceConfig });
    const original = await loadSafetensors(join(fixture, 'model.safetensors'));
    const copy = await loadSafetensors(join(exported, 'model.safetensors'));
    expect(Object.keys(copy.tensors).sort()).toEqual(Object.keys(original.tensors).sort());
    for (const [name, tensor] of Object.entries(original.tensors)) {
      expect(Array.from(await (copy.tensors[name] as tf.Tensor).data()), name).toEqual(Array.from(await tensor.data()));
    }
    expect(JSON.parse(await readFile(join(exported, 'config.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(join(fixture, 'config.json'), 'utf8')),
    );
    model.dispose();
  });
});

describe('tokenizer files', () => {
  it('loads vocab.json + merges.txt beside the weights, and savePretrained writes them back', async () => {
    const withTokenizer = join(directory, 'with-tokenizer');
    await mkdir(withTokenizer, { recursive: true });
    for (const file of ['config.json', 'model.safetensors'])
      await copyFile(join(fixture, file), join(withTokenizer, file));
    for (const file of ['vocab.json', 'merges.txt'])
      await copyFile(join(fixture, '../gpt2-tokenizer', file), join(withTokenizer, file));
    const { model, tokenizer, huggingFaceConfig } = await loadPretrained(withTokenizer);
    expect(tokenizer?.encode('Hello world')).toEqual([15496, 995]);
    const copy = join(directory, 'with-tokenizer-copy');
    await savePretrained(model, copy, { huggingFaceConfig, ...(tokenizer === undefined ? {} : { tokenizer }) });
    expect((await loadPretrained(copy)).tokenizer?.encode('Hello world')).toEqual([15496, 995]);
    expect((await loadPretrained(fixture)).tokenizer).toBeUndefined();
    model.dispose();
  });
});
