import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type SafetensorsFloatDtype, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import type { HuggingFaceTokenizer } from '../../tokenizers/hugging-face-tokenizer.js';
import { saveTokenizer } from '../../tokenizers/load-tokenizer.js';
import type { Llama } from './llama.js';
import { type LlamaHuggingFaceConfig, llamaConfigToHuggingFace } from './llama-hugging-face-config.js';
import { huggingFaceNameOfLlamaParameter } from './llama-hugging-face-weights.js';
import { type CheckpointEntry, DEFAULT_MAX_SHARD_SIZE, saveCheckpointShards } from './sharded-checkpoint.js';

/** The safetensors dtype config.json's torch_dtype (transformers 5: dtype) says the weights are stored in. */
function storageDtype(config: Record<string, unknown>): SafetensorsFloatDtype {
  const dtype = config.torch_dtype ?? config.dtype ?? 'float32';
  switch (dtype) {
    case 'float32':
      return 'F32';
    case 'bfloat16':
      return 'BF16';
    case 'float16':
      return 'F16';
    default:
      throw new TesseraError(
        'E_HF_CONFIG',
        `torch_dtype ${JSON.stringify(dtype)} is not one Tessera writes (float32, bfloat16, float16)`,
      );
  }
}

export interface SaveLlamaOptions {
  /** The config.json `loadPretrained` returned: its other fields are kept, and its torch_dtype decides the storage dtype. */
  huggingFaceConfig?: Record<string, unknown>;
  /** Shards above this many bytes (default 5 GB, transformers' max_shard_size). */
  maxShardSize?: number;
  /** Written beside the weights as tokenizer.json and tokenizer_config.json (the ones it was loaded from). */
  tokenizer?: HuggingFaceTokenizer;
}

/**
 * Writes a `Llama` in Hugging Face's layout for `config.family`: config.json, and
 * `model.safetensors` or shards with `model.safetensors.index.json` above `maxShardSize`; tensor
 * names as transformers' (lm_head absent when tied). Weights are stored as config.json's
 * torch_dtype says (bfloat16 → BF16, float16 → F16, float32 or none → F32), so a checkpoint
 * loaded and saved again round-trips exactly; a model fine-tuned in float32 is rounded to that
 * dtype unless huggingFaceConfig says `torch_dtype: 'float32'`. A `tokenizer` is saved with
 * `saveTokenizer` (tokenizer.json, tokenizer_config.json).
 */
export async function saveLlamaPretrained(model: Llama, directory: string, options: SaveLlamaOptions = {}) {
  const config = llamaConfigToHuggingFace(
    model.config,
    options.huggingFaceConfig as Partial<LlamaHuggingFaceConfig> | undefined,
  );
  const entries: CheckpointEntry[] = model.namedParameters().map(([name, variable]) => {
    const correspondence = huggingFaceNameOfLlamaParameter(name);
    if (correspondence === undefined) {
      throw new TesseraError(
        'E_HF_WEIGHTS',
        `'${name}' has no Hugging Face counterpart${name.includes('.lora.') || name.includes('.base.') ? ' (merge or unload LoRA adapters before saving)' : ''}`,
      );
    }
    return {
      name: correspondence.name,
      size: variable.size,
      make: () => (correspondence.transpose ? tf.transpose(variable) : tf.clone(variable)),
    };
  });
  await mkdir(directory, { recursive: true });
  await saveCheckpointShards(directory, entries, {
    maxShardSize: options.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE,
    dtype: storageDtype(config),
  });
  await writeTextFileAtomically(join(directory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (options.tokenizer !== undefined) await saveTokenizer(options.tokenizer, directory);
}
