import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package entry, which registers every architecture in its order.
import { loadPretrained, savePretrained, supportedModelTypes } from '../index.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-hf-registry-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadPretrained / savePretrained over the registered architectures', () => {
  it('supportedModelTypes lists the registered model types', () => {
    expect([...supportedModelTypes]).toEqual(['gpt2', 'bert', 'llama', 'mistral', 'qwen2']);
  });

  it('an unsupported model_type names the supported ones', async () => {
    await mkdir(join(directory, 'gemma'), { recursive: true });
    await writeFile(join(directory, 'gemma', 'config.json'), JSON.stringify({ model_type: 'gemma' }));
    await expect(loadPretrained(join(directory, 'gemma'))).rejects.toThrow(
      'E_HF_MODEL_TYPE: model_type "gemma" is not supported; supported model types: gpt2, bert, llama, mistral, qwen2',
    );
  });

  it('savePretrained refuses a model no architecture writes, before touching the directory', async () => {
    class Unknown {}
    const target = join(directory, 'unknown');
    await expect(savePretrained(new Unknown() as never, target)).rejects.toThrow(
      'E_HF_MODEL_TYPE: savePretrained writes the models of gpt2, bert, llama, mistral, qwen2; got a Unknown',
    );
    await expect(rm(target)).rejects.toThrow(/ENOENT/);
  });
});
