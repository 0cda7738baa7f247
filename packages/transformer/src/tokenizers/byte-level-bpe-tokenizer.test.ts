import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteLevelBPETokenizer } from './byte-level-bpe-tokenizer.js';

const shared = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared');
const vocabularyPath = join(shared, 'fixtures/gpt2-tokenizer/vocab.json');
const mergesPath = join(shared, 'fixtures/gpt2-tokenizer/merges.txt');

let tokenizer: ByteLevelBPETokenizer;
let directory: string;
beforeAll(async () => {
  tokenizer = await ByteLevelBPETokenizer.fromFiles(vocabularyPath, mergesPath);
  directory = await mkdtemp(join(tmpdir(), 'tessera-bpe-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Text unlike Shakespeare: other scripts, emoji, combining marks, code, odd whitespace, digits. */
const mixed = [
  'Привет, мир! Как дела? 日本語のテキストと漢字。 中文：你好，世界！ 한국어 문장입니다.',
  'مرحبا بالعالم — שלום עולם — नमस्ते दुनिया — สวัสดีชาวโลก — Γειά σου Κόσμε',
  'Emoji: 😀👍🏽 👩‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️‍🔥 and ZWJ sequences; math: ∑∫√∞ ≤ ≥ ≠ ±',
  'Combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 — precomposed: é ä ñ ộ; Å vs A\u030a',
  "function fib(n: number): number {\n\treturn n < 2 ? n : fib(n - 1) + fib(n - 2);\n}\n\nconst x = { 'a': [1, 2.5e-3, 0x1F], b: `t${x}` };",
  'def f(x):\r\n    return x ** 2  # comment\r\n\r\n\r\nclass A(object):\n  pass\n',
  'Whitespace:  two  spaces,\ttab,\u00a0nbsp,\u2003em space,\u3000ideographic, trailing   \n\n\n   \t \n',
  "Contractions: it's we're they've I'm you'll he'd IT'S can't won't o'clock 'quoted'",
  'Numbers: 3.14159 1,000,000 ٣٤٥ ०१२ ⅷ ² ½ 2023-11-23T12:00:00Z +1 (555) 010-9999',
  'Punctuation runs: ...!!!??? --- *** ### <<<>>> ((( ))) ""\'\'`` ~~~ @@@ $$$ %%% ^^^ &&&',
].join('\n');

describe('ByteLevelBPETokenizer (GPT-2 files)', () => {
  it('encodes exactly as js-tiktoken gpt2 on Shakespeare and on mixed scripts, code and whitespace', async () => {
    const reference = getEncoding('gpt2');
    const shakespeare = (await readFile(join(shared, 'data/tinyshakespeare/input.txt'), 'utf8')).slice(0, 200_000);
    for (const text of [shakespeare, mixed, ...mixed.split('\n')]) {
      expect(tokenizer.encode(text)).toEqual(reference.encode(text));
    }
  });

  it('decode(encode(x)) === x for any string: emoji, CJK, combining marks, lone surrogates', () => {
    const hostile = [
      '',
      ' ',
      mixed,
      '\uD800',
      'a\uDC00b',
      '\uDBFF\uDFFF',
      'x\uD83D',
      '\u0000\u0001\u007f',
      '<|endoftext|> after',
    ];
    for (const text of hostile) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('recognises the special token and keeps known ids', () => {
    expect(tokenizer.vocabularySize).toBe(50257);
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.encode('a<|endoftext|>b')).toEqual([64, 50256, 65]);
  });

  it('round-trips through vocab.json + merges.txt and reads tokenizer.json', async () => {
    await tokenizer.save(join(directory, 'saved'));
    const reloaded = await ByteLevelBPETokenizer.fromFiles(
      join(directory, 'saved/vocab.json'),
      join(directory, 'saved/merges.txt'),
    );
    expect(reloaded.encode(mixed)).toEqual(tokenizer.encode(mixed));
    const merges = (await readFile(mergesPath, 'utf8'))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#version')); // merges such as "## #" start with '#' too
    const tokenizerJson = {
      model: { type: 'BPE', vocab: JSON.parse(await readFile(vocabularyPath, 'utf8')), merges },
      added_tokens: [{ id: 50256, content: '<|endoftext|>', special: true }],
    };
    await writeFile(join(directory, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    const fromJson = await ByteLevelBPETokenizer.fromTokenizerJson(join(directory, 'tokenizer.json'));
    expect(fromJson.encode(mixed)).toEqual(tokenizer.encode(mixed));
    await expect(ByteLevelBPETokenizer.fromFiles(join(directory, 'none.json'), mergesPath)).rejects.toThrow(
      /E_TOKENIZER_IO/,
    );
  });
});
