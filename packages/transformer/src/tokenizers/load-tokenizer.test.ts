import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReferenceFiles, tokenizerJsonPath } from './fixtures/reference-tokenizers.js';
import { tokenizerFromJSON } from './hugging-face-tokenizer.js';
import { hasTokenizerJson, loadTokenizer, saveTokenizer } from './load-tokenizer.js';

let scratch: string;
let llama3: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tessera-load-tokenizer-'));
  llama3 = join(scratch, 'llama3');
  await mkdir(llama3);
  await copyFile(tokenizerJsonPath('llama3'), join(llama3, 'tokenizer.json'));
  await writeFile(join(llama3, 'tokenizer_config.json'), JSON.stringify(readReferenceFiles('llama3').tokenizerConfig));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const text = "Hello world! It's 2024 — 你好 😀 <|begin_of_text|>";

describe('loadTokenizer / saveTokenizer', () => {
  it('reads a directory as tokenizerFromJSON reads the same files, and writes them back equal', async () => {
    const loaded = await loadTokenizer(llama3);
    const { tokenizerJson, tokenizerConfig } = readReferenceFiles('llama3');
    expect(loaded.encode(text)).toEqual(tokenizerFromJSON(tokenizerJson, tokenizerConfig).encode(text));
    const saved = join(scratch, 'saved');
    await saveTokenizer(loaded, saved);
    expect(JSON.parse(await readFile(join(saved, 'tokenizer.json'), 'utf8'))).toEqual(tokenizerJson);
    expect(JSON.parse(await readFile(join(saved, 'tokenizer_config.json'), 'utf8'))).toEqual(tokenizerConfig);
    expect((await loadTokenizer(saved)).encode(text)).toEqual(loaded.encode(text));
    expect(await hasTokenizerJson(saved)).toBe(true);
    expect(await hasTokenizerJson(scratch)).toBe(false);
  });

  it('takes chat_template.jinja over the config, keeps it when saving, and needs no tokenizer_config.json', async () => {
    const directory = join(scratch, 'jinja');
    await mkdir(directory);
    await copyFile(join(llama3, 'tokenizer.json'), join(directory, 'tokenizer.json'));
    await writeFile(join(directory, 'chat_template.jinja'), '{% for m in messages %}[{{ m.role }}]{% endfor %}');
    const tokenizer = await loadTokenizer(directory);
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('[user]');
    expect(tokenizer.bosTokenId).toBeUndefined(); // no config: no named special tokens
    const saved = join(scratch, 'jinja-saved');
    await saveTokenizer(tokenizer, saved);
    expect(await readFile(join(saved, 'chat_template.jinja'), 'utf8')).toBe(
      '{% for m in messages %}[{{ m.role }}]{% endfor %}',
    );
  });

  it('fails with codes: a missing directory or file, JSON that does not parse', async () => {
    await expect(loadTokenizer(join(scratch, 'none'))).rejects.toMatchObject({
      code: 'E_TOKENIZER_IO',
      category: 'not-found',
    });
    const bad = join(scratch, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'tokenizer.json'), '{"model": ');
    await expect(loadTokenizer(bad)).rejects.toThrow(/E_TOKENIZER_FORMAT.*not JSON/);
    await copyFile(join(llama3, 'tokenizer.json'), join(bad, 'tokenizer.json'));
    await writeFile(join(bad, 'tokenizer_config.json'), '[1, 2');
    await expect(loadTokenizer(bad)).rejects.toThrow(/E_TOKENIZER_FORMAT.*tokenizer_config\.json/);
    await expect(saveTokenizer({} as never, bad)).rejects.toThrow(/E_TOKENIZER_INPUT/);
  });
});
