import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendName, initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointing } from './callbacks/checkpointing.js';
import { earlyStopping } from './callbacks/early-stopping.js';
import { metricsLog } from './callbacks/metrics-log.js';
import { progress } from './callbacks/progress.js';
import { lossRecorder, makeLoader, makeTrainer } from './test-fixtures.js';

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-trainer-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const weightsOf = async (model: { stateDict(): Record<string, tf.Tensor> }) =>
  Object.fromEntries(
    await Promise.all(Object.entries(model.stateDict()).map(async ([name, t]) => [name, Array.from(await t.data())])),
  );

describe('Trainer', () => {
  it('fits a classifier, evaluates it and predicts; the tensor count is the same before and after', async () => {
    const recorder = lossRecorder();
    const trainer = makeTrainer({ callbacks: [recorder], totalSteps: 60 });
    const before = tf.memory().numTensors;
    await trainer.fit(makeLoader(), { epochs: 10 });
    expect(recorder.losses).toHaveLength(60); // 96 / 16 = 6 steps per epoch
    expect(recorder.losses.at(-1)).toBeLessThan(0.3 * (recorder.losses[0] as number));
    const { loss, metrics } = await trainer.evaluate(makeLoader({ shuffle: false }));
    expect(metrics.accuracy).toBeGreaterThan(0.95);
    expect(loss).toBeLessThan(0.3);
    const probabilities = await trainer.predict(makeLoader({ shuffle: false }));
    expect(probabilities.shape).toEqual([96, 3]);
    probabilities.dispose();
    // The optimizer's slots (2 per parameter) are the only tensors the run adds.
    expect(tf.memory().numTensors).toBe(before + 2 * trainer.model.namedParameters().length);
  });

  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    it(`resumed from a mid-epoch checkpoint, reproduces every later loss and the final weights (${backend})`, async () => {
      await initBackend({ backend });
      const uninterruptedRecorder = lossRecorder();
      const uninterrupted = makeTrainer({ callbacks: [uninterruptedRecorder], accumulation: 2 });
      await uninterrupted.fit(makeLoader(), { maxSteps: 12 });

      const firstRecorder = lossRecorder();
      const first = makeTrainer({ callbacks: [firstRecorder], accumulation: 2 });
      await first.fit(makeLoader(), { maxSteps: 5 }); // stops in the middle of epoch 1 (3 steps per epoch)
      const checkpoint = join(directory, `resume-${backend}`);
      await first.saveCheckpoint(checkpoint);
      expect(first.position).toEqual({ step: 5, epoch: 1, batchInEpoch: 4 });

      const resumedRecorder = lossRecorder();
      const resumed = makeTrainer({ callbacks: [resumedRecorder], accumulation: 2 }); // fresh weights, seed reset
      await resumed.fit(makeLoader(), { maxSteps: 12, resumeFrom: checkpoint });

      expect([...firstRecorder.losses, ...resumedRecorder.losses]).toEqual(uninterruptedRecorder.losses);
      expect(await weightsOf(resumed.model)).toEqual(await weightsOf(uninterrupted.model));
      await initBackend({ backend: 'wasm' });
    });
  }

  it('gradient accumulation over two batches of 8 equals one step on the batch of 16', async () => {
    const run = async (batchSize: number, accumulation: number) => {
      const trainer = makeTrainer({ accumulation });
      trainer.model.eval(); // no dropout: the two runs must see the same function
      trainer.model.train = () => trainer.model; // keep eval mode through fit
      await trainer.fit(makeLoader({ batchSize, shuffle: false }), { maxSteps: 3 });
      return weightsOf(trainer.model);
    };
    const accumulated = await run(8, 2);
    const whole = await run(16, 1);
    for (const [name, values] of Object.entries(whole)) {
      const other = accumulated[name] as number[];
      const difference = Math.max(...(values as number[]).map((value, i) => Math.abs(value - (other[i] as number))));
      expect(difference, name).toBeLessThan(1e-5);
    }
  });

  it('stops early when the monitored value stops improving and restores the best weights', async () => {
    const evaluations: number[] = [];
    const trainer = makeTrainer({
      callbacks: [
        earlyStopping({ monitor: 'accuracy', mode: 'max', patience: 2 }),
        { onEvaluationEnd: (logs) => void evaluations.push(logs.metrics.accuracy as number) },
      ],
      totalSteps: 600,
    });
    await trainer.fit(makeLoader(), { epochs: 100, evaluationLoader: makeLoader({ shuffle: false }) });
    expect(evaluations.length).toBeLessThan(100);
    const best = Math.max(...evaluations);
    expect(evaluations.slice(-2).every((value) => value <= best)).toBe(true);
    const { metrics } = await trainer.evaluate(makeLoader({ shuffle: false }));
    expect(metrics.accuracy).toBe(best);
  });

  it('checkpointing keeps the last N numbered checkpoints plus last/ and best/', async () => {
    const checkpoints = join(directory, 'checkpoints');
    const trainer = makeTrainer({
      callbacks: [checkpointing({ directory: checkpoints, everySteps: 2, keepLast: 2, monitor: 'loss' })],
    });
    await trainer.fit(makeLoader(), {
      maxSteps: 9,
      evaluationLoader: makeLoader({ shuffle: false }),
      evaluateEvery: 3,
    });
    expect((await readdir(checkpoints)).sort()).toEqual(['best', 'last', 'step-00000006', 'step-00000008']);
    expect(JSON.parse(await readFile(join(checkpoints, 'last', 'trainer.json'), 'utf8')).position.step).toBe(9);
  });

  it('progress prints a line every N steps off a TTY and rewrites one line on a TTY; metrics go to JSON lines', async () => {
    const plain: string[] = [];
    const terminal: string[] = [];
    const log = join(directory, 'metrics.jsonl');
    const trainer = makeTrainer({
      callbacks: [
        progress({ stream: { write: (text: string) => plain.push(text), isTTY: false }, everySteps: 2 }),
        progress({ stream: { write: (text: string) => terminal.push(text), isTTY: true, columns: 100 } }),
        metricsLog(log),
      ],
    });
    await trainer.fit(makeLoader(), {
      maxSteps: 4,
      evaluationLoader: makeLoader({ shuffle: false }),
      evaluateEvery: 4,
    });
    expect(plain.filter((line) => line.startsWith('step'))).toHaveLength(2);
    expect(plain[0]).toMatch(/^step 2\/4 loss \d+\.\d{4} lr \d\.\d{2}e[-+]\d+ [\d,]+ items\/s eta \d+m\d{2}s\n$/);
    const clearLine = '\r\u001b[K'; // carriage return, then erase to the end of the line
    expect(terminal[0]?.startsWith(clearLine)).toBe(true);
    expect(terminal[0]?.slice(clearLine.length)).toMatch(/^\[=* *\] step 1\/4 /);
    expect(plain.at(-1)).toMatch(/^evaluation at step 4: loss \d+\.\d{4} accuracy \d\.\d{4}\n$/);
    const records = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((record) => record.kind)).toEqual(['step', 'step', 'step', 'step', 'evaluation']);
    expect(records[4].metrics.accuracy).toBeGreaterThan(0);
  });
});
