// Generate Shakespeare-like text from the GPT that train.mjs saved: the characters stream out
// as they are sampled (temperature and top-k sampling, with a key/value cache).
// Usage: node sample.mjs [--prompt "ROMEO:\n"] [--tokens 500] [--temperature 0.8] [--top-k 40]
//          [--seed 7] [--model runs/gpt-shakespeare]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend, loadSafetensors, TesseraError, tf } from '@tessera/core';
import { CharacterTokenizer, GPT, generate } from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const directory = resolve(argument('model', 'runs/gpt-shakespeare'));
const prompt = argument('prompt', 'ROMEO:\n').replace(/\\n/g, '\n');
const maxNewTokens = Number(argument('tokens', 500));

await initBackend();
let saved;
try {
  saved = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8'));
} catch (error) {
  throw new TesseraError('E_EXAMPLE_NO_MODEL', `no trained model in ${directory}: run \`node train.mjs\` first`, {
    cause: error,
  });
}
const tokenizer = CharacterTokenizer.fromJSON(saved.tokenizer);
const model = new GPT(saved.config);
const { tensors } = await loadSafetensors(join(directory, 'model.safetensors'));
model.loadStateDict(tensors);
tf.dispose(Object.values(tensors));
model.eval();

process.stdout.write(
  `--- ${maxNewTokens} characters from a GPT trained for ${saved.steps} steps (validation loss ${saved.validationLoss.toFixed(3)}) ---\n`,
);
process.stdout.write(prompt);
await generate(model, tokenizer.encode(prompt), {
  maxNewTokens,
  temperature: Number(argument('temperature', 0.8)),
  topK: Number(argument('top-k', 40)),
  seed: Number(argument('seed', 7)),
  onToken: (token) => {
    process.stdout.write(tokenizer.decode([token]));
  },
});
process.stdout.write('\n');
