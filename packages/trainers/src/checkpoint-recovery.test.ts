import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointing } from './callbacks/checkpointing.js';
import { findCheckpoint } from './checkpoint-files.js';
import { validateRunConfig } from './config/load-config.js';
import { resumeRun, trainFromConfig } from './config/train-from-config.js';
import { lossRecorder, makeLoader, makeTrainer } from './test-fixtures.js';

/**
 * What a kill during a checkpoint save leaves, made on disk exactly as the save would have left it
 * (a save writes `.last.tmp-<pid>-<ms>/`, renames `last/` → `.last.previous/`, renames the
 * temporary → `last/`, removes the previous), and what resuming and saving do with it.
 */

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-recovery-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const weightsOf = async (model: { stateDict(): Record<string, tf.Tensor> }) =>
  Object.fromEntries(
    await Promise.all(Object.entries(model.stateDict()).map(async ([name, t]) => [name, Array.from(await t.data())])),
  );
const stepOf = async (checkpoint: string) =>
  JSON.parse(await readFile(join(checkpoint, 'trainer.json'), 'utf8')).position.step as number;

describe('checkpoints after a kill', () => {
  it('resume from .last.previous when a save was killed between its two renames, exactly', async () => {
    const uninterruptedRecorder = lossRecorder();
    const uninterrupted = makeTrainer({ callbacks: [uninterruptedRecorder] });
    await uninterrupted.fit(makeLoader(), { maxSteps: 12 });

    const checkpoints = join(directory, 'killed-between-renames');
    const last = join(checkpoints, 'last');
    const firstRecorder = lossRecorder();
    const first = makeTrainer({ callbacks: [firstRecorder] });
    await first.fit(makeLoader(), { maxSteps: 5 });
    await first.saveCheckpoint(last);
    // The save at step 7: its temporary is complete, then the kill lands after rename(last → previous).
    await first.fit(makeLoader(), { maxSteps: 7 });
    await first.saveCheckpoint(join(checkpoints, 'scratch'));
    await rename(join(checkpoints, 'scratch'), join(checkpoints, '.last.tmp-4242-1700000000000'));
    await rename(last, join(checkpoints, '.last.previous'));
    expect(await findCheckpoint(last)).toBe(join(checkpoints, '.last.previous'));

    const resumedRecorder = lossRecorder();
    const resumed = makeTrainer({ callbacks: [resumedRecorder, checkpointing({ directory: checkpoints })] });
    const contents = await resumed.loadCheckpoint(last);
    expect([contents.readFrom, contents.position.step]).toEqual([join(checkpoints, '.last.previous'), 5]);
    await resumed.fit(makeLoader(), { maxSteps: 12 });

    // Steps 6–12 are those of the run that was never interrupted (step 5's state was restored).
    expect([...firstRecorder.losses.slice(0, 5), ...resumedRecorder.losses]).toEqual(uninterruptedRecorder.losses);
    expect(await weightsOf(resumed.model)).toEqual(await weightsOf(uninterrupted.model));
    // The stale temporary and the previous copy are gone; last/ is the finished run.
    expect((await readdir(checkpoints)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(await stepOf(last)).toBe(12);
  });

  it('a save with last/ missing keeps the previous copy until the new last/ is in place', async () => {
    const checkpoints = join(directory, 'save-after-kill');
    const trainer = makeTrainer();
    await trainer.fit(makeLoader(), { maxSteps: 2 });
    await trainer.saveCheckpoint(join(checkpoints, 'last'));
    await rename(join(checkpoints, 'last'), join(checkpoints, '.last.previous'));
    await trainer.fit(makeLoader(), { maxSteps: 3 });
    await trainer.saveCheckpoint(join(checkpoints, 'last'));
    expect(await readdir(checkpoints)).toEqual(['last']);
    expect(await stepOf(join(checkpoints, 'last'))).toBe(3);
  });

  it('stale temporaries are removed at the next save of their checkpoint, and all at the next training start', async () => {
    const checkpoints = join(directory, 'stale');
    const trainer = makeTrainer();
    await trainer.fit(makeLoader(), { maxSteps: 2 });
    await trainer.saveCheckpoint(join(checkpoints, 'last'));
    await trainer.saveCheckpoint(join(checkpoints, 'best'));
    // Killed saves: half-written temporaries of last, a numbered and best checkpoint; previous
    // copies left after the second rename (best/ is in place) or with an older version's name.
    const partial = async (name: string) => {
      await mkdir(join(checkpoints, name), { recursive: true });
      await writeFile(join(checkpoints, name, 'model.safetensors'), 'half');
    };
    await partial('.last.tmp-100-1');
    await partial('.step-00000004.tmp-100-2');
    await cp(join(checkpoints, 'best'), join(checkpoints, '.best.previous'), { recursive: true });
    await cp(join(checkpoints, 'best'), join(checkpoints, '.best.tmp-100-3.previous'), { recursive: true });
    // A previous copy that is the only one of its checkpoint (step-00000006/ is missing) is kept.
    await cp(join(checkpoints, 'best'), join(checkpoints, '.step-00000006.previous'), { recursive: true });

    await trainer.saveCheckpoint(join(checkpoints, 'last'));
    expect((await readdir(checkpoints)).sort()).toEqual([
      '.best.previous',
      '.best.tmp-100-3.previous',
      '.step-00000004.tmp-100-2',
      '.step-00000006.previous',
      'best',
      'last',
    ]);
    const resumed = makeTrainer({ callbacks: [checkpointing({ directory: checkpoints, everySteps: 100 })] });
    await resumed.fit(makeLoader(), { maxSteps: 3, resumeFrom: join(checkpoints, 'last') });
    expect((await readdir(checkpoints)).sort()).toEqual(['.step-00000006.previous', 'best', 'last']);
    expect(await findCheckpoint(join(checkpoints, 'step-00000006'))).toBe(join(checkpoints, '.step-00000006.previous'));
  });

  it('resumeRun resumes a run whose last/ a kill left missing', async () => {
    const dataPath = join(directory, 'points.csv');
    const rows = Array.from({ length: 48 }, (_, index) => `${(index % 3) - 1},${index % 2},${index % 3}`);
    await writeFile(dataPath, `x,y,label\n${rows.join('\n')}\n`);
    const config = validateRunConfig({
      name: 'killed',
      runsDirectory: directory,
      backend: 'wasm',
      data: { kind: 'csv-classification', path: dataPath, labelColumn: 'label', batchSize: 8 },
      model: { kind: 'mlp', hiddenSizes: [8] },
      training: { maxSteps: 4, checkpointEverySteps: 2 },
    });
    const first = await trainFromConfig(config, { progress: false });
    const checkpoints = join(first.runDirectory, 'checkpoints');
    await rename(join(checkpoints, 'last'), join(checkpoints, '.last.previous'));
    await mkdir(join(checkpoints, '.last.tmp-100-1'));
    // A longer budget, so the resumed run has steps left to take.
    const recorded = JSON.parse(await readFile(join(first.runDirectory, 'config.json'), 'utf8'));
    recorded.training.maxSteps = 6;
    await writeFile(join(first.runDirectory, 'config.json'), JSON.stringify(recorded));

    const resumed = await resumeRun(first.runDirectory, { progress: false });
    expect(resumed.steps).toBe(6);
    expect(await stepOf(join(checkpoints, 'last'))).toBe(6);
    expect((await readdir(checkpoints)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('resumeRun refuses a run with neither last/ nor a previous copy, and a damaged config.json, with codes', async () => {
    const run = join(directory, 'killed');
    const checkpoints = join(run, 'checkpoints');
    await rm(checkpoints, { recursive: true, force: true });
    await mkdir(join(checkpoints, '.last.tmp-100-1'), { recursive: true });
    await expect(resumeRun(run)).rejects.toThrow(/^E_RUN_DIRECTORY: .*has no checkpoint to resume from/);
    await writeFile(join(run, 'config.json'), '{ "name": ');
    await expect(resumeRun(run)).rejects.toThrow(/^E_CONFIG: .*config\.json is not valid JSON/);
    await writeFile(join(run, 'config.json'), '{ "name": "killed", "data": null }');
    await expect(resumeRun(run)).rejects.toThrow(/^E_CONFIG: .*config\.json: data: expected object, found null/);
  });
});
