import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { parse as parseYaml } from 'yaml';
import { dataSources, models, tasks } from './components.js';
import { formatIssues } from './issues.js';
import { type RunConfig, runConfigSchema } from './run-config.js';

/** Reads a run config from JSON or YAML (by extension) and validates it; see {@link validateRunConfig}. */
export async function loadRunConfig(path: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TesseraError('E_CONFIG_IO', `cannot read the config ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TesseraError(
      'E_CONFIG',
      `${path} is not valid ${extname(path).slice(1).toUpperCase() || 'JSON'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  // A data path is relative to the config file, and recorded absolute so a resumed run finds it.
  const data = (raw as { data?: { path?: unknown } } | null)?.data;
  if (data !== undefined && typeof data.path === 'string' && !isAbsolute(data.path)) {
    data.path = resolve(dirname(path), data.path);
  }
  try {
    return validateRunConfig(raw);
  } catch (error) {
    if (error instanceof TesseraError)
      throw new TesseraError(error.code, `${path}: ${error.message.replace(/^E_\w+: /, '')}`);
    throw error;
  }
}

/**
 * Validates a run config: the common fields by schema, and `data`, `model`, `task` by the schema
 * of the kind they name in the component registries. Defaults are filled in; the result is the
 * resolved config a run directory records.
 */
export function validateRunConfig(raw: unknown): RunConfig {
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
