import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError, writeTextFileAtomically } from '@tessera/core';
import { HuggingFaceTokenizer, tokenizerFromJSON } from './hugging-face-tokenizer.js';

export const TOKENIZER_JSON_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
/** transformers ≥ 4.43 may keep the chat template in its own file; it then wins over tokenizer_config.json's. */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TesseraError('E_TOKENIZER_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TesseraError('E_TOKENIZER_FORMAT', `${path} is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
}

/** True when `directory` has a `tokenizer.json`. */
export async function hasTokenizerJson(directory: string): Promise<boolean> {
  try {
    return (await stat(join(directory, TOKENIZER_JSON_FILE))).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads a Hugging Face tokenizer directory: `tokenizer.json` (required), `tokenizer_config.json`
 * (special tokens, chat template, add_bos_token, …; optional) and `chat_template.jinja`
 * (optional). See `HuggingFaceTokenizer` for what it supports; `tokenizerFromJSON` does the
 * same from already-read contents (browsers).
 */
export async function loadTokenizer(directory: string): Promise<HuggingFaceTokenizer> {
  const tokenizerPath = join(directory, TOKENIZER_JSON_FILE);
  const tokenizerText = await readOptional(tokenizerPath);
  if (tokenizerText === undefined) {
    throw new TesseraError('E_TOKENIZER_IO', `${tokenizerPath} does not exist`, { category: 'not-found' });
  }
  const configPath = join(directory, TOKENIZER_CONFIG_FILE);
  const configText = await readOptional(configPath);
  const chatTemplate = await readOptional(join(directory, CHAT_TEMPLATE_FILE));
  return tokenizerFromJSON(
    parseJson(tokenizerText, tokenizerPath),
    configText === undefined ? {} : parseJson(configText, configPath),
    chatTemplate === undefined ? {} : { chatTemplate },
  );
}

/** Writes the tokenizer's `tokenizer.json` and `tokenizer_config.json` (and `chat_template.jinja` if it came with one), each atomically. */
export async function saveTokenizer(tokenizer: HuggingFaceTokenizer, directory: string): Promise<void> {
  if (!(tokenizer instanceof HuggingFaceTokenizer)) {
    throw new TesseraError('E_TOKENIZER_INPUT', 'saveTokenizer writes a HuggingFaceTokenizer');
  }
  const { tokenizerJson, tokenizerConfig, chatTemplate } = tokenizer.toJSON();
  await mkdir(directory, { recursive: true });
  await writeTextFileAtomically(join(directory, TOKENIZER_JSON_FILE), `${JSON.stringify(tokenizerJson, null, 2)}\n`);
  await writeTextFileAtomically(
    join(directory, TOKENIZER_CONFIG_FILE),
    `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
  );
  if (chatTemplate !== undefined) await writeTextFileAtomically(join(directory, CHAT_TEMPLATE_FILE), chatTemplate);
}
