import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { dataSources, models, tasks } from './components.js';
import { checkPlainData, decodeConfigBytes, parseConfigText } from './config-text.js';
import { formatIssues } from './issues.js';
import { type RunConfig, runConfigSchema } from './run-config.js';

/** Reads a run config from JSON or YAML (by extension) and validates it; see {@link parseRunConfig}. */
export async function loadRunConfig(path: string): Promise<RunConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TesseraError('E_CONFIG_IO', `cannot read the config ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseRunConfig(bytes, path);
}

/**
 * A run config from the bytes of the file at `path`: YAML for `.yaml` / `.yml`, else JSON. The
 * bytes must be UTF-8 (`E_CONFIG_ENCODING` otherwise) and plain, bounded data (see
 * `config-text.ts`); then {@link validateRunConfig}. A relative data path is resolved against
 * the file's folder and recorded absolute, so a resumed run finds it. Errors name the file.
 */
export function parseRunConfig(bytes: Uint8Array, path: string): RunConfig {
  const format = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? 'yaml' : 'json';
  const raw = parseConfigText(decodeConfigBytes(bytes, path), path, format);
  const data = isPlainObject(raw) ? raw.data : undefined;
  if (isPlainObject(data) && typeof data.path === 'string' && !isAbsolute(data.path)) {
    data.path = resolve(dirname(path), data.path);
  }
  try {
    return validateRunConfig(raw);
  } catch (error) {
    if (error instanceof TesseraError)
      throw new TesseraError(error.code, `${path}: ${error.message.replace(/^E_\w+: /, '')}`, { cause: error });
    throw error;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a run config: the common fields by schema, and `data`, `model`, `task` by the schema
 * of the kind they name in the component registries. Defaults are filled in; the result is the
 * resolved config a run directory records. A section of the wrong type (`data: null`) is an
 * `E_CONFIG` naming it, like any other field.
 */
export function validateRunConfig(raw: unknown): RunConfig {
  checkPlainData(raw);
  const result = runConfigSchema.safeParse(raw);
  if (!result.success) throw new TesseraError('E_CONFIG', formatIssues(result.error.issues, raw));
  const config = result.data;
  if (config.training.epochs === undefined && config.training.maxSteps === undefined) {
    throw new TesseraError('E_CONFIG', 'training: give epochs or maxSteps, found neither');
  }
  return {
    ...config,
    data: dataSources.parse(config.data),
    model: models.parse(config.model),
    task: tasks.parse(config.task),
  };
}
