import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import {
  type ArchitectureLoadOptions,
  type HuggingFaceArchitecture,
  registerHuggingFaceArchitecture,
} from '../../hugging-face/hugging-face-architectures.js';
import { ByteLevelBPETokenizer } from '../../tokenizers/byte-level-bpe-tokenizer.js';
import { GPT } from './gpt.js';
import {
  type GPT2HuggingFaceConfig,
  gpt2StateToTessera,
  gptConfigFromHuggingFace,
  gptConfigToHuggingFace,
  tesseraStateToGpt2,
} from './gpt2-hugging-face.js';

/** A GPT-2 loaded from a Hugging Face directory. */
export interface PretrainedGPT2 {
  modelType: 'gpt2';
  architecture: 'GPT2LMHeadModel';
  model: GPT;
  /** The directory's config.json as read, kept so an export writes it back unchanged. */
  huggingFaceConfig: Record<string, unknown>;
  /** The directory's tokenizer, when it has `tokenizer.json` or `vocab.json` + `merges.txt`. */
  tokenizer: ByteLevelBPETokenizer | undefined;
  /** Always empty for GPT-2, whose checkpoints must match exactly. */
  unusedWeights: string[];
  newlyInitializedWeights: string[];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** tokenizer.json if present (it is the complete description), else vocab.json + merges.txt. */
async function loadGpt2Tokenizer(directory: string): Promise<ByteLevelBPETokenizer | undefined> {
  if (await exists(join(directory, 'tokenizer.json')))
    return ByteLevelBPETokenizer.fromTokenizerJson(join(directory, 'tokenizer.json'));
  if ((await exists(join(directory, 'vocab.json'))) && (await exists(join(directory, 'merges.txt')))) {
    return ByteLevelBPETokenizer.fromFiles(join(directory, 'vocab.json'), join(directory, 'merges.txt'));
  }
  return undefined;
}

/** See `loadPretrained`: a GPT2LMHeadModel checkpoint, which must match its config exactly. */
async function loadGpt2Pretrained(
  directory: string,
  huggingFaceConfig: Record<string, unknown>,
  options: ArchitectureLoadOptions,
): Promise<PretrainedGPT2> {
  if (options.architecture !== undefined) {
    throw new TesseraError(
      'E_HF_OPTION',
      `architecture '${options.architecture}' is a BERT head; a gpt2 directory loads as GPT2LMHeadModel`,
    );
  }
  const config = gptConfigFromHuggingFace(huggingFaceConfig as GPT2HuggingFaceConfig);
  const { tensors } = await loadSafetensors(join(directory, 'model.safetensors'));
  const model = new GPT(config);
  try {
    model.loadStateDict(gpt2StateToTessera(tensors));
    model.eval(); // as transformers' from_pretrained: dropout off until training turns it on
    return {
      modelType: 'gpt2',
      architecture: 'GPT2LMHeadModel',
      model,
      huggingFaceConfig,
      tokenizer: await loadGpt2Tokenizer(directory),
      unusedWeights: [],
      newlyInitializedWeights: [],
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** See `savePretrained`: GPT2LMHeadModel with lm_head tied (so absent), transformers' tensor names. */
async function saveGpt2Pretrained(
  model: GPT,
  directory: string,
  options: { huggingFaceConfig?: Record<string, unknown>; tokenizer?: ByteLevelBPETokenizer },
): Promise<void> {
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

/** `model_type: gpt2` ↔ `GPT`, with GPT-2's byte-level BPE tokenizer. */
export const gpt2HuggingFaceArchitecture: HuggingFaceArchitecture<GPT, ByteLevelBPETokenizer> = {
  modelType: 'gpt2',
  isModel: (model): model is GPT => model instanceof GPT,
  tokenizerClass: ByteLevelBPETokenizer,
  load: loadGpt2Pretrained,
  save: saveGpt2Pretrained,
};

registerHuggingFaceArchitecture(gpt2HuggingFaceArchitecture);
