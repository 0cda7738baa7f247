import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import { GPT } from '../gpt/gpt.js';
import { ByteLevelBPETokenizer } from '../tokenizers/byte-level-bpe-tokenizer.js';
import {
  type GPT2HuggingFaceConfig,
  gpt2StateToTessera,
  gptConfigFromHuggingFace,
  gptConfigToHuggingFace,
  tesseraStateToGpt2,
} from './gpt2.js';

export const supportedModelTypes = ['gpt2'] as const;

export interface PretrainedModel {
  model: GPT;
  /** The directory's config.json as read, kept so an export writes it back unchanged. */
  huggingFaceConfig: Record<string, unknown>;
  /** The directory's tokenizer, when it has `tokenizer.json` or `vocab.json` + `merges.txt`. */
  tokenizer: ByteLevelBPETokenizer | undefined;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** tokenizer.json if present (it is the complete description), else vocab.json + merges.txt. */
async function loadTokenizer(directory: string): Promise<ByteLevelBPETokenizer | undefined> {
  if (await exists(join(directory, 'tokenizer.json')))
    return ByteLevelBPETokenizer.fromTokenizerJson(join(directory, 'tokenizer.json'));
  if ((await exists(join(directory, 'vocab.json'))) && (await exists(join(directory, 'merges.txt')))) {
    return ByteLevelBPETokenizer.fromFiles(join(directory, 'vocab.json'), join(directory, 'merges.txt'));
  }
  return undefined;
}

/**
 * Loads a Hugging Face model directory (`config.json` + `model.safetensors`, and the tokenizer
 * files when present) into a Tessera model:
 * GPT-2 for now. The weights are checked against the architecture by name and shape (strict), so
 * a mismatched checkpoint fails with every differing name listed.
 */
export async function loadPretrained(directory: string): Promise<PretrainedModel> {
  let huggingFaceConfig: Record<string, unknown>;
  try {
    huggingFaceConfig = JSON.parse(await readFile(join(directory, 'config.json'), 'utf8'));
  } catch (error) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `cannot read ${join(directory, 'config.json')}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const modelType = huggingFaceConfig.model_type;
  if (modelType !== 'gpt2') {
    throw new TesseraError(
      'E_HF_MODEL_TYPE',
      `model_type ${JSON.stringify(modelType)} is not supported; supported model types: ${supportedModelTypes.join(', ')}`,
    );
  }
  const config = gptConfigFromHuggingFace(huggingFaceConfig as GPT2HuggingFaceConfig);
  const { tensors } = await loadSafetensors(join(directory, 'model.safetensors'));
  const model = new GPT(config);
  try {
    model.loadStateDict(gpt2StateToTessera(tensors));
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return { model, huggingFaceConfig, tokenizer: await loadTokenizer(directory) };
}

/**
 * Writes a model in Hugging Face's layout: `config.json` and `model.safetensors` with GPT-2's
 * tensor names (lm_head tied, so absent). Loading the result with `loadPretrained` — or with
 * transformers' GPT2LMHeadModel.from_pretrained — gives back the same weights.
 */
export async function savePretrained(
  model: GPT,
  directory: string,
  options: { huggingFaceConfig?: Record<string, unknown>; tokenizer?: ByteLevelBPETokenizer } = {},
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const config = gptConfigToHuggingFace(
    model.config,
    options.huggingFaceConfig as Partial<GPT2HuggingFaceConfig> | undefined,
  );
  await saveSafetensors(join(directory, 'model.safetensors'), tesseraStateToGpt2(model.stateDict()), {
    metadata: { format: 'pt' },
  });
  await writeTextFileAtomically(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (options.tokenizer !== undefined) await options.tokenizer.save(directory);
}
