import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_NAMES, listBackends } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunConfig, validateRunConfig } from './load-config.js';

const valid = {
  name: 'circle',
  data: { kind: 'csv-classification', path: '/data/circle.csv', labelColumn: 'label' },
  model: { kind: 'mlp', hiddenSizes: [8] },
  training: { epochs: 2 },
};

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-config-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('run configs', () => {
  it('accept every backend name initBackend does, and no other', async () => {
    const known = (await listBackends()).map((backend) => backend.name);
    expect(known).toEqual([...BACKEND_NAMES]);
    for (const backend of known) expect(validateRunConfig({ ...valid, backend }).backend).toBe(backend);
    expect(() => validateRunConfig({ ...valid, backend: 'tensorflowjs' })).toThrow(/backend/);
  });

  it('fills in documented defaults', () => {
    const config = validateRunConfig(valid);
    expect(config.runsDirectory).toBe('runs');
    expect(config.seed).toBe(0);
    expect(config.task).toEqual({ kind: 'classification', labelSmoothing: 0 });
    expect(config.optimizer).toEqual({ kind: 'adamw', learningRate: 1e-3 });
    expect(config.data).toMatchObject({ validationFraction: 0.2, batchSize: 32 });
    expect(config.model).toEqual({ kind: 'mlp', hiddenSizes: [8], activation: 'relu', dropout: 0 });
  });

  it('names the field, the expected type and the value found, in one line', () => {
    const message = (raw: unknown) => {
      try {
        validateRunConfig(raw);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message({ ...valid, seed: 'one' })).toBe('E_CONFIG: seed: expected number, found "one"');
    expect(message({ ...valid, training: { epochs: 2.5 } })).toBe('E_CONFIG: training.epochs: expected int, found 2.5');
    expect(message({ ...valid, model: { kind: 'mlp', hiddenSizes: [8, 'wide'] } })).toBe(
      'E_CONFIG: model.hiddenSizes.1: expected number, found "wide"',
    );
    expect(message({ ...valid, model: { kind: 'resnet' } })).toBe(
      'E_CONFIG: model.kind: expected one of \'mlp\', found "resnet"',
    );
    expect(message({ ...valid, training: {} })).toBe('E_CONFIG: training: give epochs or maxSteps, found neither');
    expect(message({ ...valid, learningrate: 1 })).toMatch(/^E_CONFIG: \(config\): Unrecognized key: "learningrate"/);
    expect(message({ ...valid, optimizer: { learningRate: -1 } })).toBe(
      'E_CONFIG: optimizer.learningRate: Too small: expected number to be >0, found -1',
    );
  });

  it('reads YAML and JSON, resolving the data path against the config file', async () => {
    const yamlPath = join(directory, 'run.yaml');
    await writeFile(
      yamlPath,
      'name: demo\ndata: { kind: csv-classification, path: data/x.csv, labelColumn: y }\nmodel: { kind: mlp }\ntraining: { maxSteps: 5 }\n',
    );
    expect((await loadRunConfig(yamlPath)).data).toMatchObject({ path: join(directory, 'data/x.csv') });
    const jsonPath = join(directory, 'run.json');
    await writeFile(jsonPath, '{ "name": "demo", ');
    await expect(loadRunConfig(jsonPath)).rejects.toThrow(/^E_CONFIG: .*run\.json is not valid JSON/);
    await expect(loadRunConfig(join(directory, 'absent.yaml'))).rejects.toThrow(/^E_CONFIG_IO: cannot read the config/);
  });
});
