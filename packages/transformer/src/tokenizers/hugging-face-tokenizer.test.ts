import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer as TokenizersJs } from '@huggingface/tokenizers';
import { TokenizerLoader } from '@lenml/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { multilingualCorpus } from './fixtures/multilingual-corpus.js';
import {
  type ReferenceModel,
  type RustTokenizer,
  readReferenceFiles,
  rustTokenizerFromString,
} from './fixtures/reference-tokenizers.js';
import { type HuggingFaceTokenizer, tokenizerFromJSON } from './hugging-face-tokenizer.js';

/** Every corpus entry alone, then all of them joined (so boundaries between kinds of text are covered). */
const corpus = [...multilingualCorpus, multilingualCorpus.join('\n')];
const models: ReferenceModel[] = ['llama3', 'qwen3', 'llama2'];
/** And 100 000 characters of plain English, compared with the crate only (the JS references are slow on it). */
const shakespeare = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/data/tinyshakespeare/input.txt'),
  'utf8',
).slice(0, 100_000);

const tokenizers = {} as Record<ReferenceModel, { ours: HuggingFaceTokenizer; rust: RustTokenizer; text: string }>;
beforeAll(() => {
  for (const model of models) {
    const files = readReferenceFiles(model);
    tokenizers[model] = {
      ours: tokenizerFromJSON(files.tokenizerJson, files.tokenizerConfig),
      rust: rustTokenizerFromString(files.tokenizerText),
      text: files.tokenizerText,
    };
  }
});

describe.each(models)('HuggingFaceTokenizer on the %s files', (model) => {
  it('encodes the multilingual corpus id for id as the Rust tokenizers crate, with and without special tokens', async () => {
    const { ours, rust } = tokenizers[model];
    for (const text of [...corpus, shakespeare]) {
      for (const addSpecialTokens of [true, false]) {
        const expected = (await rust.encode(text, null, { addSpecialTokens })).getIds();
        expect(
          ours.encode(text, { addSpecialTokens }),
          `${JSON.stringify(text.slice(0, 50))} ${addSpecialTokens}`,
        ).toEqual(expected);
      }
    }
  });

  it("decodes as the crate, keeping or skipping special tokens, and transformers' clean-up is the config's", async () => {
    const { ours, rust } = tokenizers[model];
    for (const text of corpus) {
      const ids = (await rust.encode(text, null, { addSpecialTokens: true })).getIds();
      for (const skipSpecialTokens of [false, true]) {
        expect(ours.decode(ids, { skipSpecialTokens, cleanUpTokenizationSpaces: false })).toBe(
          await rust.decode(ids, skipSpecialTokens),
        );
      }
    }
    // Ids past the vocabulary (a model's embedding is often larger) are dropped, as the crate drops them.
    const beyond = ours.vocabularySize + 5;
    expect(ours.decode([beyond, ...ours.encode('hi', { addSpecialTokens: false })])).toBe(
      await rust.decode([beyond, ...ours.encode('hi', { addSpecialTokens: false })], false),
    );
    expect(() => ours.decode([-1])).toThrow(/E_TOKENIZER_ID/);
  });

  it('encodes as the pure-JS references too (@huggingface/tokenizers, @lenml/tokenizers)', () => {
    const { ours, text } = tokenizers[model];
    const files = readReferenceFiles(model);
    const tokenizersJs = new TokenizersJs(JSON.parse(text), files.tokenizerConfig);
    const lenml = TokenizerLoader.fromPreTrained({
      tokenizerJSON: JSON.parse(text),
      tokenizerConfig: files.tokenizerConfig,
    });
    for (const entry of corpus) {
      const ids = ours.encode(entry);
      expect(tokenizersJs.encode(entry).ids, entry.slice(0, 50)).toEqual(ids);
      expect(lenml.encode(entry), entry.slice(0, 50)).toEqual(ids);
    }
  });

  it('pads and truncates a batch as the crate does (right and left, attention masks)', async () => {
    const { ours, rust } = tokenizers[model];
    const texts = ['Hello world', 'A longer sentence, with punctuation and 数字 123.', '', '🤖'];
    const padTokenId = ours.padTokenId ?? (ours.eosTokenId as number);
    for (const [direction, maxLength] of [
      ['right', undefined],
      ['left', undefined],
      ['right', 6],
    ] as const) {
      rust.setPadding({
        padId: padTokenId,
        padToken: ours.idToToken(padTokenId) as string,
        direction,
        ...(maxLength === undefined ? {} : { maxLength }),
      });
      if (maxLength !== undefined) rust.setTruncation(maxLength);
      const expected = await rust.encodeBatch(texts, { addSpecialTokens: true });
      const batch = ours.encodeBatch(texts, {
        paddingSide: direction,
        padTokenId,
        ...(maxLength === undefined ? {} : { maxLength, padding: 'max_length' as const }),
      });
      expect(batch.inputIds).toEqual(expected.map((encoding) => encoding.getIds()));
      expect(batch.attentionMask).toEqual(expected.map((encoding) => encoding.getAttentionMask()));
    }
  });
});

describe('HuggingFaceTokenizer specifics', () => {
  it("decodes back to the text: exactly for Llama 3's byte-level BPE, to its NFC form for Qwen3's", () => {
    const llama3 = tokenizers.llama3.ours;
    const qwen3 = tokenizers.qwen3.ours;
    for (const text of corpus) {
      expect(
        llama3.decode(llama3.encode(text, { addSpecialTokens: false }), { cleanUpTokenizationSpaces: false }),
      ).toBe(text);
      expect(qwen3.decode(qwen3.encode(text))).toBe(text.normalize('NFC'));
    }
    // Llama 2's SentencePiece BPE with byte fallback: text without its added tokens round-trips (its
    // normalizer prepends ▁ to the text after an added token, which decodes as a space).
    const llama2 = tokenizers.llama2.ours;
    const plain = multilingualCorpus.filter((entry) => !/<\/?s>|<unk>/.test(entry));
    for (const text of [...plain, plain.join('\n')]) {
      expect(llama2.decode(llama2.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
  });

  it('knows the special tokens, BOS rules and ids the configs name', () => {
    const { llama3, qwen3, llama2 } = {
      llama3: tokenizers.llama3.ours,
      qwen3: tokenizers.qwen3.ours,
      llama2: tokenizers.llama2.ours,
    };
    expect([llama3.bosTokenId, llama3.eosTokenId, llama3.padTokenId]).toEqual([128000, 128001, undefined]);
    expect([qwen3.bosTokenId, qwen3.eosTokenId, qwen3.padTokenId]).toEqual([undefined, 151645, 151643]);
    expect([llama2.bosTokenId, llama2.eosTokenId, llama2.vocabularySize]).toEqual([1, 2, 32000]);
    expect(llama3.vocabularySize).toBe(128256);
    expect(qwen3.vocabularySize).toBe(151669);
    // Llama 2 (LlamaTokenizer, add_bos_token) starts with <s>; this Llama 3 file's post-processor adds nothing.
    expect(llama2.encode('Hello')).toEqual([1, ...llama2.encode('Hello', { addSpecialTokens: false })]);
    expect(llama2.encode('Hello', { addSpecialTokens: false })).not.toContain(1);
    expect(llama3.encode('Hello')).toEqual([9906]);
    // Qwen3's <think> is an added token but not special: decoding keeps it when skipping special tokens.
    expect(qwen3.specialTokens).toContain('<|im_end|>');
    expect(qwen3.specialTokens).not.toContain('<think>');
    expect(qwen3.decode(qwen3.encode('<|im_start|><think>x</think><|im_end|>'), { skipSpecialTokens: true })).toBe(
      '<think>x</think>',
    );
    // Llama 3's tokenizer_config.json says clean_up_tokenization_spaces: true, so decode does what transformers does.
    expect(llama3.decode(llama3.encode("Hello , world . It 's"))).toBe("Hello, world. It's");
  });

  it('refuses to pad without a pad token, and bad batch options', () => {
    const llama3 = tokenizers.llama3.ours;
    expect(() => llama3.encodeBatch(['a', 'bb'])).toThrow(/E_TOKENIZER_PADDING/);
    expect(llama3.encodeBatch(['a', 'b c'], { padding: false }).inputIds).toEqual([[64], [65, 272]]);
    expect(() => llama3.encodeBatch(['a'], { padding: 'max_length', padTokenId: 0 })).toThrow(/E_TOKENIZER_OPTIONS/);
    expect(() => tokenizers.llama2.ours.encodeBatch(['a'], { maxLength: 0 })).toThrow(/E_TOKENIZER_OPTIONS/);
    expect(() => llama3.encode(42 as unknown as string)).toThrow(/E_TOKENIZER_INPUT/);
  });

  it('rebuilds from toJSON, as a browser would from fetched files', () => {
    const qwen3 = tokenizers.qwen3.ours;
    const rebuilt = tokenizerFromJSON(qwen3.toJSON().tokenizerJson, qwen3.toJSON().tokenizerConfig);
    expect(rebuilt.encode(corpus.at(-1) as string)).toEqual(qwen3.encode(corpus.at(-1) as string));
  });
});
