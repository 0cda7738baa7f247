import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ByteLevelBPETokenizer } from './byte-level-bpe-tokenizer.js';
import { trainByteLevelBPE } from './train-byte-level-bpe.js';

describe('trainByteLevelBPE', () => {
  it("learns Sennrich et al.'s first merges on their example corpus", async () => {
    const corpus = [
      ...Array(5).fill('low'),
      ...Array(2).fill('lower'),
      ...Array(6).fill('newest'),
      ...Array(3).fill('widest'),
    ];
    const tokenizer = trainByteLevelBPE([corpus.join('\n')], { vocabularySize: 256 + 4 });
    const directory = await mkdtemp(join(tmpdir(), 'tessera-bpe-train-'));
    await tokenizer.save(directory);
    const merges = (await readFile(join(directory, 'merges.txt'), 'utf8')).trim().split('\n').slice(1);
    expect(merges).toEqual(['e s', 'es t', 'l o', 'lo w']);
    expect(tokenizer.encode('lowest').map((id) => tokenizer.decode([id]))).toEqual(['low', 'est']);
    await rm(directory, { recursive: true, force: true });
  });

  it('reaches the target size on Shakespeare, with special tokens first, round-trips any text and is deterministic', async () => {
    const text = (
      await readFile(
        join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data/tinyshakespeare/input.txt'),
        'utf8',
      )
    ).slice(0, 100_000);
    const options = { vocabularySize: 600, specialTokens: ['<|endoftext|>'] };
    const tokenizer = trainByteLevelBPE([text], options);
    expect(tokenizer.vocabularySize).toBe(600);
    expect(tokenizer.tokenToId('<|endoftext|>')).toBe(0);
    expect(tokenizer.tokenToId('Ġthe')).toBeDefined();
    const sample = `${text.slice(5000, 6000)}<|endoftext|> 日本語 😀`;
    expect(tokenizer.decode(tokenizer.encode(sample))).toBe(sample);
    expect(tokenizer.encode(text.slice(0, 2000)).length).toBeLessThan(0.5 * 2000); // merges compress English
    expect(trainByteLevelBPE([text], options).encode(sample)).toEqual(tokenizer.encode(sample));
    expect(tokenizer).toBeInstanceOf(ByteLevelBPETokenizer);
    expect(() => trainByteLevelBPE([text], { vocabularySize: 100 })).toThrow(/E_TOKENIZER_TRAINING/);
  });
});
