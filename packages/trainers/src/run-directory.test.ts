import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetricsLog, writeRunReport } from './report.js';
import { prepareRunDirectory } from './run-directory.js';
import { makeLoader, makeTrainer } from './test-fixtures.js';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  root = await mkdtemp(join(tmpdir(), 'tessera-run-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run directory and report', () => {
  it('holds the config, metrics, checkpoints and an HTML report whose loss curve goes down', async () => {
    const directory = join(root, 'classifier');
    const run = await prepareRunDirectory({
      directory,
      config: { model: 'small-classifier', seed: 11 },
      monitor: 'accuracy',
      mode: 'max',
    });
    const trainer = makeTrainer({ callbacks: run.callbacks, totalSteps: 30 });
    await trainer.fit(makeLoader(), { epochs: 5, evaluationLoader: makeLoader({ shuffle: false }) });

    expect((await readdir(directory)).sort()).toEqual(['checkpoints', 'config.json', 'metrics.jsonl', 'report']);
    expect(JSON.parse(await readFile(join(directory, 'config.json'), 'utf8'))).toEqual({
      model: 'small-classifier',
      seed: 11,
    });
    expect((await readdir(run.checkpointsDirectory)).sort()).toEqual([
      'best',
      'last',
      'step-00000018',
      'step-00000024',
      'step-00000030',
    ]);
    const records = await readMetricsLog(run.metricsPath);
    const losses = records.filter((record) => record.kind === 'step').map((record) => record.loss);
    expect(losses).toHaveLength(30);
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(
      0.5 * (losses.slice(0, 3).reduce((a, b) => a + b) / 3),
    );

    expect((await readdir(join(directory, 'report'))).sort()).toEqual(['accuracy.svg', 'index.html', 'loss.svg']);
    const svg = await readFile(join(directory, 'report', 'loss.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('training');
    expect(svg).toContain('evaluation');
    const html = await readFile(join(directory, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/<td>accuracy<\/td><td>\d\.\d{4}<\/td>/);
    expect(html).toContain('small-classifier');
    expect(html).not.toMatch(/<script|src="http/); // self-contained
  });

  it('tolerates a torn last line and keeps the latest record of a re-logged step', async () => {
    const directory = join(root, 'torn');
    const run = await prepareRunDirectory({ directory });
    await appendFile(run.metricsPath, `${JSON.stringify({ kind: 'step', step: 1, loss: 2 })}\n`);
    await appendFile(run.metricsPath, `${JSON.stringify({ kind: 'step', step: 2, loss: 9 })}\n`);
    await appendFile(run.metricsPath, `${JSON.stringify({ kind: 'step', step: 2, loss: 1.5 })}\n{"kind":"st`);
    await writeRunReport(directory);
    const html = await readFile(join(directory, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<td>last training loss</td><td>1.5000</td>');
  });

  it('a run without steps is a clear error', async () => {
    const directory = join(root, 'empty');
    await prepareRunDirectory({ directory });
    await expect(writeRunReport(directory)).rejects.toThrow(/E_REPORT_INPUT/);
  });
});
