// GPT-2 byte-level BPE encode throughput: Tessera's ByteLevelBPETokenizer (from the original
// vocab.json / merges.txt) against js-tiktoken's gpt2 encoding, side by side on the same text,
// with and without a warm cache. Checks both produce the same tokens. JSON output.
// Usage: node bench/bpe-throughput.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteLevelBPETokenizer } from '@tessera/transformer';
import { getEncoding } from 'js-tiktoken';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../../shared/fixtures/gpt2-tokenizer');
const text = readFileSync(join(here, '../../shared/data/tinyshakespeare/input.txt'), 'utf8');
const megabytes = Buffer.byteLength(text) / 1e6;

const time = (encode) => {
  const start = performance.now();
  const tokens = encode(text);
  return { seconds: (performance.now() - start) / 1000, tokens };
};
const tessera = await ByteLevelBPETokenizer.fromFiles(join(fixtures, 'vocab.json'), join(fixtures, 'merges.txt'));
const tiktoken = getEncoding('gpt2');
const results = {};
for (const [name, encode] of [
  ['tessera', (t) => tessera.encode(t)],
  ['js-tiktoken', (t) => tiktoken.encode(t)],
]) {
  const cold = time(encode);
  const warm = time(encode);
  results[name] = {
    coldMegabytesPerSecond: Number((megabytes / cold.seconds).toFixed(2)),
    warmMegabytesPerSecond: Number((megabytes / warm.seconds).toFixed(2)),
    tokens: warm.tokens.length,
    ids: warm.tokens,
  };
}
const identical =
  results.tessera.ids.length === results['js-tiktoken'].ids.length &&
  results.tessera.ids.every((id, i) => id === results['js-tiktoken'].ids[i]);
for (const entry of Object.values(results)) delete entry.ids;
const report = {
  benchmark: 'bpe-throughput',
  date: new Date().toISOString(),
  textMegabytes: Number(megabytes.toFixed(3)),
  identicalTokens: identical,
  results,
  warmRatioTesseraToTiktoken: Number(
    (results.tessera.warmMegabytesPerSecond / results['js-tiktoken'].warmMegabytesPerSecond).toFixed(2),
  ),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'bpe-throughput.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
