import { loadSafetensors, TesseraError, tf } from '@tessera/core';
import {
  type ArchitectureLoadOptions,
  type HuggingFaceArchitecture,
  registerHuggingFaceArchitecture,
} from '../../hugging-face/hugging-face-architectures.js';
import { HuggingFaceTokenizer } from '../../tokenizers/hugging-face-tokenizer.js';
import { hasTokenizerJson, loadTokenizer } from '../../tokenizers/load-tokenizer.js';
import { Llama } from './llama.js';
import type { LlamaFamily } from './llama-config.js';
import {
  type LlamaHuggingFaceConfig,
  llamaConfigFromHuggingFace,
  llamaFamilyArchitectures,
} from './llama-hugging-face-config.js';
import { huggingFaceNameOfLlamaParameter, tesseraNameOfLlamaTensor } from './llama-hugging-face-weights.js';
import { saveLlamaPretrained } from './save-llama-pretrained.js';
import { readCheckpointShards } from './sharded-checkpoint.js';

/** A Llama-family causal LM loaded from a Hugging Face directory. */
export interface PretrainedLlama<ModelType extends LlamaFamily = LlamaFamily> {
  modelType: ModelType;
  /** LlamaForCausalLM, MistralForCausalLM or Qwen2ForCausalLM. */
  architecture: string;
  model: Llama;
  /** The directory's config.json as read, kept so saving writes it back unchanged. */
  huggingFaceConfig: Record<string, unknown>;
  /** From `tokenizer.json` + `tokenizer_config.json` (with its chat template), when the directory has them. */
  tokenizer: HuggingFaceTokenizer | undefined;
  /** Checkpoint tensors the model does not use: RoPE's inv_freq buffers, a tied lm_head.weight. */
  unusedWeights: string[];
  /** Always empty: every parameter must come from the checkpoint. */
  newlyInitializedWeights: string[];
}

/**
 * See `loadPretrained`: builds the model config.json describes and loads its checkpoint into it,
 * shard by shard. Every header is checked first (each tensor known, of a float dtype and the
 * right shape, none missing), so a checkpoint that does not fit fails listing every problem
 * before any value is read. F16 and BF16 tensors become float32 as they load. The tokenizer is
 * read first, so a malformed tokenizer.json fails before any weight is.
 */
async function loadLlamaPretrained(
  directory: string,
  huggingFaceConfig: Record<string, unknown>,
  options: ArchitectureLoadOptions,
): Promise<PretrainedLlama> {
  const config = llamaConfigFromHuggingFace(huggingFaceConfig as LlamaHuggingFaceConfig);
  const family = config.family;
  const architecture = llamaFamilyArchitectures[family];
  if (options.architecture !== undefined && options.architecture !== architecture) {
    throw new TesseraError(
      'E_HF_OPTION',
      `architecture '${options.architecture}' is not available for model_type ${family}; it loads as ${architecture}`,
    );
  }
  const tokenizer = (await hasTokenizerJson(directory)) ? await loadTokenizer(directory) : undefined;
  const shards = await readCheckpointShards(directory);
  const model = new Llama(config, { initialization: 'zeros' });
  try {
    const parameters = new Map(model.namedParameters());
    const targets = new Map<string, { variable: tf.Variable; transpose: boolean }>();
    const unusedWeights: string[] = [];
    const problems: string[] = [];
    for (const { tensors } of shards) {
      for (const info of tensors) {
        const correspondence = tesseraNameOfLlamaTensor(info.name);
        if (correspondence === 'ignored' || (info.name === 'lm_head.weight' && config.tieWordEmbeddings)) {
          unusedWeights.push(info.name);
          continue;
        }
        const variable = correspondence === undefined ? undefined : parameters.get(correspondence.name);
        if (correspondence === undefined || variable === undefined) {
          problems.push(`unexpected tensor '${info.name}'`);
          continue;
        }
        const expected = correspondence.transpose ? [...variable.shape].reverse() : variable.shape;
        if (!['F32', 'F16', 'BF16'].includes(info.dtype)) {
          problems.push(`'${info.name}' is ${info.dtype}, not a float dtype (F32, F16, BF16)`);
        } else if (!tf.util.arraysEqual(info.shape, expected)) {
          problems.push(`'${info.name}' has shape [${info.shape}], expected [${expected}]`);
        }
        const twin = [...targets].find(([, target]) => target.variable === variable)?.[0];
        if (twin !== undefined) problems.push(`both '${twin}' and '${info.name}' load into ${correspondence.name}`);
        targets.set(info.name, { variable, transpose: correspondence.transpose });
      }
    }
    const loaded = new Set([...targets.values()].map(({ variable }) => variable));
    const missing = [...parameters].filter(([, variable]) => !loaded.has(variable));
    for (const [name] of missing) problems.push(`missing '${huggingFaceNameOfLlamaParameter(name)?.name ?? name}'`);
    if (problems.length > 0) {
      throw new TesseraError(
        'E_HF_WEIGHTS',
        `the checkpoint in ${directory} does not fit its config.json (${family}): ${problems.join('; ')}`,
      );
    }
    for (const shard of shards) {
      const { tensors } = await loadSafetensors(shard.path);
      try {
        for (const [name, tensor] of Object.entries(tensors)) {
          const target = targets.get(name);
          if (target === undefined) continue;
          // assign shares the (transposed) tensor's storage; disposing ours below leaves the variable's.
          tf.tidy(() => target.variable.assign(target.transpose ? tf.transpose(tensor) : tensor));
        }
      } finally {
        tf.dispose(Object.values(tensors));
      }
    }
    model.eval(); // as transformers' from_pretrained
    return {
      modelType: family,
      architecture,
      model,
      huggingFaceConfig,
      tokenizer,
      unusedWeights,
      newlyInitializedWeights: [],
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** One registration per model_type: all three load as `Llama`; each saves the models of its family. */
function llamaFamilyArchitecture(family: LlamaFamily): HuggingFaceArchitecture<Llama, HuggingFaceTokenizer> {
  return {
    modelType: family,
    isModel: (model): model is Llama => model instanceof Llama && model.config.family === family,
    tokenizerClass: HuggingFaceTokenizer,
    load: loadLlamaPretrained,
    save: (model, directory, options) =>
      saveLlamaPretrained(model, directory, {
        ...(options.huggingFaceConfig === undefined ? {} : { huggingFaceConfig: options.huggingFaceConfig }),
        ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
      }),
  };
}

export const llamaHuggingFaceArchitectures = {
  llama: llamaFamilyArchitecture('llama'),
  mistral: llamaFamilyArchitecture('mistral'),
  qwen2: llamaFamilyArchitecture('qwen2'),
} as const;

registerHuggingFaceArchitecture(llamaHuggingFaceArchitectures.llama);
registerHuggingFaceArchitecture(llamaHuggingFaceArchitectures.mistral);
registerHuggingFaceArchitecture(llamaHuggingFaceArchitectures.qwen2);
