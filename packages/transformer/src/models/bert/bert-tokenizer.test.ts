import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { googleVocabulary, huggingFaceVocabulary } from './bert-test-vocabularies.js';
import { BertTokenizer } from './bert-tokenizer.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-wordpiece-'));
});

describe('BertTokenizer: tokenisation', () => {
  it('reads vocab.txt and tokenises as tokenization_test.py test_full_tokenizer', async () => {
    const path = join(directory, 'vocab.txt');
    // The test writes the file as "".join([x + "\n" for x in vocab_tokens]).
    await writeFile(path, googleVocabulary.map((token) => `${token}\n`).join(''));
    const tokenizer = await BertTokenizer.fromFile(path);
    expect(tokenizer.vocabularySize).toBe(11);
    const tokens = tokenizer.tokenize('UNwant\u00E9d,running');
    expect(tokens).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
    expect(tokenizer.tokensToIds(tokens)).toEqual([7, 4, 5, 10, 8, 9]);
    // test_convert_tokens_to_ids
    expect(tokenizer.tokensToIds(['un', '##want', '##ed', 'runn', '##ing'])).toEqual([7, 4, 5, 8, 9]);
  });

  it('gives the ids of test_tokenization_bert.py test_full_tokenizer, and [UNK] for unknown tokens', () => {
    const tokenizer = new BertTokenizer(huggingFaceVocabulary);
    const tokens = tokenizer.tokenize('UNwant\u00E9d,running');
    expect(tokenizer.tokensToIds(tokens)).toEqual([9, 6, 7, 12, 10, 11]);
    expect(tokenizer.tokensToIds(['lowest', 'nowhere'])).toEqual([14, 0]);
    expect(tokenizer.tokenToId('nowhere')).toBeUndefined();
    expect(tokenizer.idsToTokens([13, 14])).toEqual(['low', 'lowest']);
  });

  it('cleans text like test_clean_text: a soft hyphen alone gives no token', () => {
    const tokenizer = new BertTokenizer(huggingFaceVocabulary);
    expect(['Test', '\u00AD', 'test'].map((text) => tokenizer.tokenize(text))).toEqual([['[UNK]'], [], ['[UNK]']]);
  });

  it('splits CJK ideographs only when asked (test_change_tokenize_chinese_chars)', () => {
    const vocabulary = ['[UNK]', '的', '人', '有', '##人', '##有'];
    expect(new BertTokenizer(vocabulary).tokenize('的人有')).toEqual(['的', '人', '有']);
    expect(new BertTokenizer(vocabulary, { tokenizeChineseCharacters: false }).tokenize('的人有')).toEqual([
      '的',
      '##人',
      '##有',
    ]);
  });

  it('keeps special tokens in the text whole, even glued to words, and never lower-cases them', () => {
    const tokenizer = new BertTokenizer(huggingFaceVocabulary);
    expect(tokenizer.tokenize('[CLS] UNwant\u00E9d [SEP]running[MASK] [PAD]')).toEqual([
      '[CLS]',
      'un',
      '##want',
      '##ed',
      '[SEP]',
      'runn',
      '##ing',
      '[MASK]',
      '[PAD]',
    ]);
    // Matching is exact: "[cls]" is ordinary text, split on its brackets.
    expect(tokenizer.tokenize('[cls]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
    // A special token the vocabulary lacks is ordinary text too.
    expect(new BertTokenizer(googleVocabulary).tokenize('[MASK]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
  });

  it('honours the cased options and custom special-token spellings', () => {
    const cased = new BertTokenizer(['<unk>', 'Want', '##ed', 'want'], {
      lowerCase: false,
      specialTokens: { unknown: '<unk>' },
    });
    expect(cased.tokenize('Wanted wanted WANTED <unk>')).toEqual(['Want', '##ed', 'want', '##ed', '<unk>', '<unk>']);
    expect(cased.tokensToIds(cased.tokenize('WANTED want'))).toEqual([0, 3]);
  });

  it('rejects non-string input', () => {
    const tokenizer = new BertTokenizer(huggingFaceVocabulary);
    expect(() => tokenizer.tokenize(42 as unknown as string)).toThrow(
      'E_TOKENIZER_INPUT: expected text as a string, got number',
    );
  });
});

describe('BertTokenizer: vocabulary files and serialisation', () => {
  it('reads CRLF line ends and a byte-order mark, keeps empty lines as ids, and names unreadable files', async () => {
    const crlf = join(directory, 'crlf-vocab.txt');
    await writeFile(crlf, `\uFEFF${huggingFaceVocabulary.join('\r\n')}`);
    const tokenizer = await BertTokenizer.fromFile(crlf);
    expect(tokenizer.vocabulary).toEqual(huggingFaceVocabulary);
    expect(BertTokenizer.fromVocabularyText('[UNK]\n\nwant\n').tokenToId('want')).toBe(2);

    const missing = join(directory, 'no-such-vocab.txt');
    await expect(BertTokenizer.fromFile(missing)).rejects.toThrow(
      `E_TOKENIZER_IO: cannot read vocabulary file '${missing}' (ENOENT`,
    );
    const folder = join(directory, 'a-folder');
    await mkdir(folder);
    await expect(BertTokenizer.fromFile(folder)).rejects.toThrow('E_TOKENIZER_IO');
  });

  it('rejects empty, JSON, non-UTF-8 and [UNK]-less vocabularies with the file named', async () => {
    const empty = join(directory, 'empty.txt');
    await writeFile(empty, '');
    await expect(BertTokenizer.fromFile(empty)).rejects.toThrow(
      `E_TOKENIZER_VOCABULARY: the vocabulary is empty (in '${empty}')`,
    );
    const json = join(directory, 'vocab.json');
    await writeFile(json, JSON.stringify({ '[UNK]': 0, want: 1 }));
    await expect(BertTokenizer.fromFile(json)).rejects.toThrow('E_TOKENIZER_FORMAT: the vocabulary is JSON');
    const latin1 = join(directory, 'latin1.txt');
    await writeFile(latin1, Buffer.from([0x5b, 0x55, 0x4e, 0x4b, 0x5d, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await expect(BertTokenizer.fromFile(latin1)).rejects.toThrow('E_TOKENIZER_VOCABULARY: vocabulary file');
    const noUnknown = join(directory, 'no-unknown.txt');
    await writeFile(noUnknown, 'want\nrunn\n');
    await expect(BertTokenizer.fromFile(noUnknown)).rejects.toThrow(
      new RegExp(
        `^E_TOKENIZER_VOCABULARY: the vocabulary \\(2 tokens\\) has no unknown token '\\[UNK\\]'.*\\(in '${noUnknown}'\\)$`,
      ),
    );
  });

  it('survives a JSON round trip with its options', () => {
    const tokenizer = new BertTokenizer(huggingFaceVocabulary, { lowerCase: false, neverSplit: new Set(['LOW']) });
    const copy = BertTokenizer.fromJSON(JSON.parse(JSON.stringify(tokenizer)));
    expect(copy.tokenize('LOW Want')).toEqual(['LOW', '[UNK]']);
    expect(copy.tokenize('LOW Want')).toEqual(tokenizer.tokenize('LOW Want'));
    expect(() => BertTokenizer.fromJSON({ type: 'character', vocabulary: [] })).toThrow(
      "E_TOKENIZER_FORMAT: expected a wordpiece tokenizer, found type 'character'",
    );
  });
});
