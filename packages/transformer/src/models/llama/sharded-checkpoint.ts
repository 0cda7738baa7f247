import { access, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  readSafetensorsHeader,
  type SafetensorsFloatDtype,
  type SafetensorsTensorInfo,
  saveSafetensors,
  TesseraError,
  type tf,
  writeTextFileAtomically,
} from '@tessera/core';

/**
 * A Hugging Face checkpoint's weight files: one `model.safetensors`, or shards
 * `model-00001-of-0000N.safetensors` listed by `model.safetensors.index.json`
 * (`{ metadata: { total_size }, weight_map: { tensor: shard file } }`), as save_pretrained writes
 * them above its max_shard_size. Reading walks the headers first (names, dtypes, shapes, no
 * values), so a checkpoint that does not fit fails before any value is read; values then load one
 * shard at a time.
 */

export const SINGLE_CHECKPOINT_FILE = 'model.safetensors';
export const CHECKPOINT_INDEX_FILE = 'model.safetensors.index.json';
/** transformers' default max_shard_size ("5GB"). */
export const DEFAULT_MAX_SHARD_SIZE = 5_000_000_000;

/** The weight files save_pretrained writes; saving removes those of an earlier save that this one did not write. */
const CHECKPOINT_FILE = /^model(-\d{5}-of-\d{5})?\.safetensors(\.index\.json)?$/;

export interface CheckpointShard {
  path: string;
  /** The tensors this shard holds, as its header describes them. */
  tensors: SafetensorsTensorInfo[];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const weightsError = (detail: string) => new TesseraError('E_HF_WEIGHTS', detail);

/**
 * The shards of the checkpoint in `directory` with their headers: `model.safetensors` when present
 * (transformers prefers it too), else the shards the index names, in file-name order.
 */
export async function readCheckpointShards(directory: string): Promise<CheckpointShard[]> {
  const single = join(directory, SINGLE_CHECKPOINT_FILE);
  if (await exists(single)) return [{ path: single, tensors: (await readSafetensorsHeader(single)).tensors }];
  const indexPath = join(directory, CHECKPOINT_INDEX_FILE);
  if (!(await exists(indexPath))) {
    const legacy = (await exists(join(directory, 'pytorch_model.bin')))
      ? ' (it has pytorch_model.bin: Tessera reads safetensors only; convert it, e.g. with save_pretrained(safe_serialization=True))'
      : '';
    throw weightsError(`${directory} has neither ${SINGLE_CHECKPOINT_FILE} nor ${CHECKPOINT_INDEX_FILE}${legacy}`);
  }
  const weightMap = parseWeightMap(await readFile(indexPath, 'utf8'), indexPath);
  const files = [...new Set(Object.values(weightMap))].sort();
  const shards: CheckpointShard[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const path = join(directory, file);
    const { tensors } = await readSafetensorsHeader(path);
    for (const info of tensors) {
      const earlier = seen.get(info.name);
      if (earlier !== undefined) throw weightsError(`tensor '${info.name}' is in both ${earlier} and ${file}`);
      seen.set(info.name, file);
    }
    shards.push({ path, tensors });
  }
  for (const [name, file] of Object.entries(weightMap)) {
    if (seen.get(name) !== file) {
      throw weightsError(
        `${indexPath} puts tensor '${name}' in ${file}, but ${seen.has(name) ? `it is in ${seen.get(name)}` : 'no shard has it'}`,
      );
    }
  }
  return shards;
}

/** The index's weight_map, checked: tensor name → a shard's file name inside the directory. */
function parseWeightMap(text: string, indexPath: string): Record<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (error) {
    throw new TesseraError('E_HF_WEIGHTS', `${indexPath} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw weightsError(`${indexPath} has no weight_map object`);
  }
  for (const [name, file] of Object.entries(weightMap)) {
    // A plain file name: an index must not point outside its directory.
    if (typeof file !== 'string' || !/^[^/\\]+\.safetensors$/.test(file) || file.startsWith('..')) {
      throw weightsError(
        `${indexPath} maps '${name}' to ${JSON.stringify(file)}, which is not a .safetensors file name in the same directory`,
      );
    }
  }
  return weightMap as Record<string, string>;
}

/** One tensor to write: its name, element count, and a function making it (the writer disposes what it returns). */
export interface CheckpointEntry {
  name: string;
  size: number;
  make: () => tf.Tensor;
}

const BYTES_PER_ELEMENT: Record<SafetensorsFloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * Writes `entries` in Hugging Face's layout: one `model.safetensors` when they fit in
 * `maxShardSize` bytes, else shards of at most that size (a larger tensor alone in its own, as
 * transformers splits them) plus the index. Tensors are made one shard at a time and disposed
 * once it is written, so memory beyond the model stays near one shard. Each file is written
 * atomically, the index after its shards; weight files of an earlier save that this one did not
 * write are removed last, so the directory never mixes two checkpoints.
 */
export async function saveCheckpointShards(
  directory: string,
  entries: readonly CheckpointEntry[],
  options: { maxShardSize: number; dtype: SafetensorsFloatDtype },
): Promise<void> {
  const { maxShardSize, dtype } = options;
  if (!(Number.isSafeInteger(maxShardSize) && maxShardSize > 0)) {
    throw new TesseraError('E_HF_OPTION', `maxShardSize must be a positive integer of bytes, got ${maxShardSize}`);
  }
  const groups: CheckpointEntry[][] = [];
  let current: CheckpointEntry[] = [];
  let currentBytes = 0;
  let totalSize = 0;
  for (const entry of entries) {
    const bytes = entry.size * BYTES_PER_ELEMENT[dtype];
    totalSize += bytes;
    if (current.length > 0 && currentBytes + bytes > maxShardSize) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  const count = groups.length;
  const fileName = (index: number) =>
    count === 1
      ? SINGLE_CHECKPOINT_FILE
      : `model-${String(index + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.safetensors`;
  const weightMap: Record<string, string> = {};
  const written = new Set<string>();
  for (const [index, group] of groups.entries()) {
    const made: Record<string, tf.Tensor> = {};
    try {
      for (const entry of group) made[entry.name] = entry.make();
      await saveSafetensors(join(directory, fileName(index)), made, { metadata: { format: 'pt' }, floatDtype: dtype });
    } finally {
      for (const tensor of Object.values(made)) tensor.dispose();
    }
    for (const entry of group) weightMap[entry.name] = fileName(index);
    written.add(fileName(index));
  }
  if (count > 1) {
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const index = { metadata: { total_size: totalSize }, weight_map: sorted };
    await writeTextFileAtomically(join(directory, CHECKPOINT_INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
    written.add(CHECKPOINT_INDEX_FILE);
  }
  for (const file of await readdir(directory)) {
    if (CHECKPOINT_FILE.test(file) && !written.has(file)) await unlink(join(directory, file));
  }
}
