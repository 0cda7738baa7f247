import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_NAMES, listBackends } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRunConfig, parseRunConfig, validateRunConfig } from './load-config.js';

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

  it('names a null or wrong-type section (data: null) instead of failing with a TypeError', async () => {
    for (const [section, value, expected] of [
      ['data', 'null', 'expected object, found null'],
      ['data', '[]', 'expected object, found []'],
      ['data', '"x.csv"', 'expected object, found "x.csv"'],
      ['model', '7', 'expected object, found 7'],
      ['task', 'null', 'expected object, found null'],
      ['optimizer', 'true', 'expected object, found true'],
      ['training', 'null', 'expected object, found null'],
      ['schedule', '"cosine"', 'expected object, found "cosine"'],
    ] as const) {
      const path = join(directory, `section-${section}.json`);
      await writeFile(path, JSON.stringify({ ...valid, [section]: JSON.parse(value) }));
      await expect(loadRunConfig(path), `${section}: ${value}`).rejects.toThrow(
        new RegExp(`^E_CONFIG: .*section-${section}\\.json: ${section}: ${expected.replace(/[[\]]/g, '\\$&')}`),
      );
    }
    const yamlPath = join(directory, 'null-data.yaml');
    await writeFile(yamlPath, 'name: demo\ndata: null\nmodel: { kind: mlp }\ntraining: { maxSteps: 5 }\n');
    await expect(loadRunConfig(yamlPath)).rejects.toThrow(
      /^E_CONFIG: .*null-data\.yaml: data: expected object, found null$/,
    );
    expect(() => validateRunConfig(null)).toThrow(/^E_CONFIG: \(config\): expected object, found null/);
  });

  it('refuses a YAML or JSON config that is not UTF-8, rather than replacing its bytes', async () => {
    const text =
      'name: demo\ndata: { kind: csv-classification, path: caf\u00e9.csv, labelColumn: y }\nmodel: { kind: mlp }\ntraining: { maxSteps: 5 }\n';
    const latin1 = join(directory, 'latin1.yaml');
    await writeFile(latin1, Buffer.from(text, 'latin1'));
    await expect(loadRunConfig(latin1)).rejects.toThrow(/^E_CONFIG_ENCODING: .*latin1\.yaml is not valid UTF-8 text/);
    const json = join(directory, 'bad.json');
    await writeFile(json, Buffer.concat([Buffer.from('{"name": "a'), Buffer.from([0xff]), Buffer.from('"}')]));
    await expect(loadRunConfig(json)).rejects.toThrow(/^E_CONFIG_ENCODING: /);
    // The same text in UTF-8, with a byte-order mark, is read.
    const utf8 = join(directory, 'utf8.yaml');
    await writeFile(utf8, `\ufeff${text}`);
    expect((await loadRunConfig(utf8)).data).toMatchObject({ path: join(directory, 'café.csv') });
  });

  it('refuses deep nesting, alias cycles, non-finite numbers, binary values and absurd layer widths by field', () => {
    const parse =
      (text: string, path = 'run.yaml') =>
      () =>
        parseRunConfig(Buffer.from(text), path);
    const base =
      'name: demo\ndata: { kind: csv-classification, path: /x.csv, labelColumn: y }\ntraining: { maxSteps: 5 }\n';
    expect(parse(`${base}model: { kind: mlp }\nseed: ${'['.repeat(5000)}1${']'.repeat(5000)}\n`)).toThrow(
      /^E_CONFIG: run\.yaml nests brackets more than 64 deep/,
    );
    const deepJson = `{"name":"demo","seed":${'['.repeat(70)}1${']'.repeat(70)}}`;
    expect(parse(deepJson, 'run.json')).toThrow(/^E_CONFIG: run\.json nests brackets more than 64 deep/);
    expect(parse(`${base}model: &m { kind: mlp, hiddenSizes: [*m] }\n`)).toThrow(
      /^E_CONFIG: run\.yaml: model\.hiddenSizes\.0: contains itself \(an alias cycle\)/,
    );
    expect(parse(`${base}model: { kind: mlp }\nseed: .inf\n`)).toThrow(
      /^E_CONFIG: run\.yaml: seed: expected a finite number, found Infinity/,
    );
    expect(parse(`${base}model: { kind: mlp }\nseed: !!binary aGVsbG8=\n`)).toThrow(
      /^E_CONFIG: run\.yaml: seed: expected an object, list, string, number, boolean or null, found a Buffer/,
    );
    expect(parse(`${base}model: { kind: mlp, hiddenSizes: [1000000000] }\n`)).toThrow(
      /^E_CONFIG: run\.yaml: model\.hiddenSizes\.0: Too big: expected number to be <=65536, found 1000000000/,
    );
    expect(parse(`${base}model: { kind: mlp }\nseed: !!python/object 3\n`)).toThrow(
      /^E_CONFIG: run\.yaml is not valid YAML: Unresolved tag/,
    );
    // Shared values (an alias used twice) are fine.
    expect(parse(`${base}model: { kind: mlp, hiddenSizes: &h [8] }\nx: 1\n`)).toThrow(/Unrecognized key: "x"/);
    const cyclic: Record<string, unknown> = { ...valid };
    cyclic.seed = cyclic;
    expect(() => validateRunConfig(cyclic)).toThrow(/^E_CONFIG: seed: contains itself/);
  });
});
