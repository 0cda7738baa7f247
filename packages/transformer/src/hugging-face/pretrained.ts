import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import type { AnyBertModel, BertArchitecture } from '../models/bert/bert-hugging-face-config.js';
import type { BertLoadOptions, PretrainedBert } from '../models/bert/bert-pretrained.js';
import type { BertTokenizer } from '../models/bert/bert-tokenizer.js';
import type { GPT } from '../models/gpt/gpt.js';
import type { PretrainedGPT2 } from '../models/gpt/gpt2-pretrained.js';
import type { Llama } from '../models/llama/llama.js';
import type { PretrainedLlama } from '../models/llama/llama-pretrained.js';
import type { ByteLevelBPETokenizer } from '../tokenizers/byte-level-bpe-tokenizer.js';
import type { HuggingFaceTokenizer } from '../tokenizers/hugging-face-tokenizer.js';
import {
  findHuggingFaceArchitecture,
  huggingFaceArchitectureOfModel,
  registeredModelTypes,
} from './hugging-face-architectures.js';

/**
 * What each Hugging Face model_type loads as. The loading and saving themselves live beside each
 * model (`models/gpt/gpt2-pretrained.ts`, `models/bert/bert-pretrained.ts`), registered by model_type.
 */
interface PretrainedModelTypes {
  gpt2: PretrainedGPT2;
  bert: PretrainedBert;
  llama: PretrainedLlama<'llama'>;
  mistral: PretrainedLlama<'mistral'>;
  qwen2: PretrainedLlama<'qwen2'>;
}

export type SupportedModelType = keyof PretrainedModelTypes;
/** The model types `loadPretrained` reads, in registration order (the architectures register when the package loads). */
export const supportedModelTypes: readonly SupportedModelType[] = registeredModelTypes as SupportedModelType[];

export interface LoadPretrainedOptions extends BertLoadOptions {
  /** Fail unless config.json's model_type is this one (and, in TypeScript, narrow the result to it). */
  modelType?: SupportedModelType;
}

export type { PretrainedBert, PretrainedGPT2, PretrainedLlama };
/** What `loadPretrained` returns; `modelType` (and, for BERT, `architecture`) tells which model `model` is. */
export type PretrainedModel = PretrainedModelTypes[SupportedModelType];

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
 * - `model_type: llama`, `mistral`, `qwen2` → `Llama` (LlamaForCausalLM, MistralForCausalLM,
 *   Qwen2ForCausalLM) from `model.safetensors` or shards with `model.safetensors.index.json`
 *   (F32/BF16/F16), loaded shard by shard, with a `HuggingFaceTokenizer` from `tokenizer.json` +
 *   `tokenizer_config.json` (and its chat template) when the directory has them.
 *
 * Weights are matched by name and shape, so a checkpoint that does not fit its config.json fails
 * with every differing name listed; an unknown model_type fails naming the supported ones.
 */
export function loadPretrained<Architecture extends BertArchitecture>(
  directory: string,
  options: LoadPretrainedOptions & { modelType: 'bert'; architecture: Architecture },
): Promise<Extract<PretrainedBert, { architecture: Architecture }>>;
export function loadPretrained<ModelType extends SupportedModelType>(
  directory: string,
  options: LoadPretrainedOptions & { modelType: ModelType },
): Promise<PretrainedModelTypes[ModelType]>;
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
  const architecture = findHuggingFaceArchitecture(modelType);
  if (architecture === undefined) {
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
  // The architecture registered for this model_type returns its member of the union.
  return (await architecture.load(directory, huggingFaceConfig, options as never)) as PretrainedModel;
}

/**
 * Writes a model in Hugging Face's layout: `config.json` and `model.safetensors` with
 * transformers' tensor names, and the tokenizer's files when given. The Hugging Face class follows
 * from the model: `GPT` → GPT2LMHeadModel (lm_head tied, so absent); `Bert` → BertModel (names
 * without `bert.`); `BertForMaskedLanguageModeling` → BertForMaskedLM (no pooler, decoder tied, as
 * transformers saves it); `BertForSequenceClassification` → BertForSequenceClassification.
 * `Llama` → its config's family (`llama`, `mistral`, `qwen2`), in the dtype config.json's
 * torch_dtype names, sharded above 5 GB (`saveLlamaPretrained` takes another size), with a
 * `HuggingFaceTokenizer`'s tokenizer.json and tokenizer_config.json.
 * `huggingFaceConfig` (the one `loadPretrained` returned) keeps config.json's other fields, so
 * loading a directory and saving it again writes the same tensors and config.
 */
export async function savePretrained(
  model: GPT | AnyBertModel | Llama,
  directory: string,
  options: {
    huggingFaceConfig?: Record<string, unknown>;
    tokenizer?: ByteLevelBPETokenizer | BertTokenizer | HuggingFaceTokenizer;
  } = {},
): Promise<void> {
  const architecture = huggingFaceArchitectureOfModel(model);
  if (architecture === undefined) {
    throw new TesseraError(
      'E_HF_MODEL_TYPE',
      `savePretrained writes the models of ${supportedModelTypes.join(', ')}; got a ${(model as object).constructor.name}`,
    );
  }
  const modelType = architecture.modelType;
  const configType = options.huggingFaceConfig?.model_type;
  if (configType !== undefined && configType !== modelType) {
    throw new TesseraError(
      'E_HF_CONFIG',
      `huggingFaceConfig has model_type ${JSON.stringify(configType)}, but the model is a ${modelType}`,
    );
  }
  const tokenizerClass = architecture.tokenizerClass;
  if (options.tokenizer !== undefined && !(options.tokenizer instanceof tokenizerClass)) {
    throw new TesseraError(
      'E_HF_TOKENIZER',
      `a ${modelType} directory takes a ${tokenizerClass.name}, got a ${options.tokenizer.constructor.name}`,
    );
  }
  await mkdir(directory, { recursive: true });
  return architecture.save(model, directory, {
    ...(options.huggingFaceConfig === undefined ? {} : { huggingFaceConfig: options.huggingFaceConfig }),
    ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
  });
}
