import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, classificationTask, initBackend, Linear, type tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainedWeights, parameterGroupsByName, unfreezeSchedule } from './fine-tuning.js';
import { makeLoader, makeTrainer, SmallClassifier } from './test-fixtures.js';
import { Trainer } from './trainer.js';

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-finetune-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const values = async (tensor: tf.Tensor) => Array.from(await tensor.data());

describe('pretrain → fine-tune', () => {
  it('loads a backbone into a model with a new head, trains the head alone, then unfreezes the backbone at a lower rate', async () => {
    const pretraining = makeTrainer();
    await pretraining.fit(makeLoader(), { maxSteps: 6 });
    await pretraining.saveCheckpoint(join(directory, 'pretrained'));
    const pretrainedHidden = await values(pretraining.model.stateDict()['hidden.weight'] as tf.Tensor);

    const model = new SmallClassifier();
    model.replaceModule('head', new Linear(16, 5)); // a new task with five classes
    const report = await loadPretrainedWeights(model, join(directory, 'pretrained'));
    expect(report.loaded.sort()).toEqual(['hidden.bias', 'hidden.weight']);
    expect(report.mismatchedKeys.sort()).toEqual([
      'head.bias (expected [5], got [3])',
      'head.weight (expected [16,5], got [16,3])',
    ]);
    expect(await values(model.hidden.weight)).toEqual(pretrainedHidden);

    model.freeze('hidden');
    const groups = parameterGroupsByName<{ learningRate: number }>(model, [
      { pattern: 'hidden', options: { learningRate: 0.001 } },
    ]);
    const optimizer = new AdamW(groups, { learningRate: 0.01 });
    expect(optimizer.learningRates).toEqual([0.001, 0.01]);
    let backboneAtStep2: number[] = [];
    const trainer = new Trainer({
      model,
      task: classificationTask(),
      optimizer,
      callbacks: [
        unfreezeSchedule([{ atStep: 3, pattern: 'hidden' }]),
        {
          async onStepEnd(logs) {
            if (logs.step === 2) backboneAtStep2 = await values(model.hidden.weight);
          },
        },
      ],
    });
    const headBefore = await values(model.head.weight);
    await trainer.fit(makeLoader(), { maxSteps: 6 });
    expect(backboneAtStep2).toEqual(pretrainedHidden); // frozen for the first steps
    expect(await values(model.hidden.weight)).not.toEqual(pretrainedHidden); // trained once unfrozen
    expect(await values(model.head.weight)).not.toEqual(headBefore);
  });

  it('strict loading fails on a different head; a missing checkpoint is a clear error', async () => {
    const model = new SmallClassifier();
    model.replaceModule('head', new Linear(16, 5));
    await expect(loadPretrainedWeights(model, join(directory, 'pretrained'), { strict: true })).rejects.toThrow(
      /E_STATE_DICT.*shape mismatch/,
    );
    await expect(loadPretrainedWeights(model, join(directory, 'nowhere.safetensors'))).rejects.toThrow(
      /E_SAFETENSORS_IO/,
    );
  });
});
