import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import { GPT } from '../gpt/gpt.js';
import { BertTokenizer } from '../tokenizers/bert-tokenizer.js';
import { ByteLevelBPETokenizer } from '../tokenizers/byte-level-bpe-tokenizer.js';
import type { AnyBertModel, BertArchitecture } from './bert.js';
import {
  type BertLoadOptions,
  loadBertPretrained,
  type PretrainedBert,
  saveBertPretrained,
} from './bert-pretrained.js';
import {
  type GPT2HuggingFaceConfig,
  gpt2StateToTessera,
  gptConfigFromHuggingFace,
  gptConfigToHuggingFace,
  tesseraStateToGpt2,
} from './gpt2.js';

export const supportedModelTypes = ['gpt2', 'bert'] as const;
export type SupportedModelType = (typeof supportedModelTypes)[number];

export interface LoadPretrainedOptions extends BertLoadOptions {
  /** Fail unless config.json's model_type is this one (and, in TypeScript, narrow the result to it). */
  modelType?: SupportedModelType;
}

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

export type { PretrainedBert };
/** What `loadPretrained` returns; `modelType` (and, for BERT, `architecture`) tells which model `model` is. */
export type PretrainedModel = PretrainedGPT2 | PretrainedBert;

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

async function loadGpt2Pretrained(
  directory: string,
  huggingFaceConfig: Record<string, unknown>,
  options: LoadPretrainedOptions,
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

/**
 * Loads a Hugging Face model directory (`config.json` + `model.safetensors`, and the tokenizer
 * files when present) into a Tessera model, in eval mode (as transformers' from_pretrained):
 *
 * - `model_type: gpt2` → `GPT` (GPT2LMHeadModel), with a byte-level BPE tokenizer from
 *   `tokenizer.json` or `vocab.json` + `merges.txt`. The checkpoint must match exactly.
 * - `model_type: bert` → the head config.json's `architectures` names: `BertModel` → `Bert`,
 *   `BertForMaskedLM` (or `BertForPreTraining`) → `BertForMaskedLanguageModeling`,
 *   `BertForSequenceClassification` → `BertForSequenceClassification` (labels from `id2label`);
 *   no `architectures` → `Bert`. `options.architecture` picks another head, e.g. a classifier to
 *   fine-tune from a masked-LM checkpoint: weights the checkpoint lacks are then freshly initialised
 *   and listed in `newlyInitializedWeights`, weights of other heads in `unusedWeights`. The
 *   tokenizer is `vocab.txt` (+ `tokenizer_config.json`) or a WordPiece `tokenizer.json`.
 *
 * Weights are matched by name and shape, so a checkpoint that does not fit its config.json fails
 * with every differing name listed; an unknown model_type fails naming the supported ones.
 */
export function loadPretrained<Architecture extends BertArchitecture>(
  directory: string,
  options: LoadPretrainedOptions & { modelType: 'bert'; architecture: Architecture },
): Promise<Extract<PretrainedBert, { architecture: Architecture }>>;
export function loadPretrained(
  directory: string,
  options: LoadPretrainedOptions & { modelType: 'bert' },
): Promise<PretrainedBert>;
export function loadPretrained(
  directory: string,
  options: LoadPretrainedOptions & { modelType: 'gpt2' },
): Promise<PretrainedGPT2>;
export function loadPretrained(directory: string, options?: LoadPretrainedOptions): Promise<PretrainedModel>;
export async function loadPretrained(directory: string, options: LoadPretrainedOptions = {}): Promise<PretrainedModel> {
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
  if (!supportedModelTypes.includes(modelType as SupportedModelType)) {
    throw new TesseraError(
      'E_HF_MODEL_TYPE',
      `model_type ${JSON.stringify(modelType)} is not supported; supported model types: ${supportedModelTypes.join(', ')}`,
    );
  }
  if (options.modelType !== undefined && options.modelType !== modelType) {
    throw new TesseraError(
      'E_HF_MODEL_TYPE',
      `${join(directory, 'config.json')} has model_type ${JSON.stringify(modelType)}, but modelType '${options.modelType}' was asked for`,
    );
  }
  if (modelType === 'bert') return loadBertPretrained(directory, huggingFaceConfig, options);
  return loadGpt2Pretrained(directory, huggingFaceConfig, options);
}

/**
 * Writes a model in Hugging Face's layout: `config.json` and `model.safetensors` with
 * transformers' tensor names, and the tokenizer's files when given. The Hugging Face class follows
 * from the model: `GPT` → GPT2LMHeadModel (lm_head tied, so absent); `Bert` → BertModel (names
 * without `bert.`); `BertForMaskedLanguageModeling` → BertForMaskedLM (no pooler, decoder tied, as
 * transformers saves it); `BertForSequenceClassification` → BertForSequenceClassification.
 * `huggingFaceConfig` (the one `loadPretrained` returned) keeps config.json's other fields, so
 * loading a directory and saving it again writes the same tensors and config.
 */
export async function savePretrained(
  model: GPT | AnyBertModel,
  directory: string,
  options: { huggingFaceConfig?: Record<string, unknown>; tokenizer?: ByteLevelBPETokenizer | BertTokenizer } = {},
): Promise<void> {
  const modelType: SupportedModelType = model instanceof GPT ? 'gpt2' : 'bert';
  const configType = options.huggingFaceConfig?.model_type;
  if (configType !== undefined && configType !== modelType) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `huggingFaceConfig has model_type ${JSON.stringify(configType)}, but the model is a ${modelType}`,
    );
  }
  const tokenizerClass = modelType === 'gpt2' ? ByteLevelBPETokenizer : BertTokenizer;
  if (options.tokenizer !== undefined && !(options.tokenizer instanceof tokenizerClass)) {
    throw new TesseraError(
      'E_HF_TOKENIZER',
      `a ${modelType} directory takes a ${tokenizerClass.name}, got a ${options.tokenizer.constructor.name}`,
    );
  }
  await mkdir(directory, { recursive: true });
  if (!(model instanceof GPT)) {
    const tokenizer = options.tokenizer as BertTokenizer | undefined;
    return saveBertPretrained(model, directory, {
      ...(options.huggingFaceConfig === undefined ? {} : { huggingFaceConfig: options.huggingFaceConfig }),
      ...(tokenizer === undefined ? {} : { tokenizer }),
    });
  }
  const config = gptConfigToHuggingFace(
    model.config,
    options.huggingFaceConfig as Partial<GPT2HuggingFaceConfig> | undefined,
  );
  await saveSafetensors(join(directory, 'model.safetensors'), tesseraStateToGpt2(model.stateDict()), {
    metadata: { format: 'pt' },
  });
  await writeTextFileAtomically(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (options.tokenizer !== undefined) await (options.tokenizer as ByteLevelBPETokenizer).save(directory);
}
