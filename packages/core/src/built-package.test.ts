import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The published artefact, not the sources: a separate Node process loads the BUILT package by
 * its name (ESM `import` and CJS `require`) and computes gradients, including an embedding's on
 * the default backend. This is what users get; vitest's module handling cannot hide a problem.
 */

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const program = (load: string) => `
${load}
(async () => {
  const info = await core.initBackend();
  const { tf } = core;
  const square = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
  const embedding = tf.grad((table) => tf.sum(tf.gather(table, tf.tensor1d([0, 0, 2], 'int32'))))(tf.zeros([3, 2]));
  // A training step's path: computeGradients over a variable, through the cross-entropy loss.
  const logits = tf.variable(tf.zeros([1, 3]));
  const { gradients } = core.computeGradients([['logits', logits]], () => core.crossEntropy(logits, tf.tensor1d([0], 'int32')));
  const crossEntropy = Array.from(gradients.logits.dataSync(), (value) => Math.round(value * 1e4) / 1e4);
  console.log(JSON.stringify({ backend: info.name, square: Array.from(square.dataSync()), embedding: Array.from(embedding.dataSync()), crossEntropy }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

function run(args: string[]): { backend: string; square: number[]; embedding: number[]; crossEntropy: number[] } {
  const output = execFileSync(process.execPath, args, {
    cwd: packageRoot,
    env: { ...process.env, TESSERA_BACKEND: '' },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').pop() as string);
}

describe('the built @tessera/core', () => {
  it('has been built (turbo runs build before test)', () => {
    expect(existsSync(join(packageRoot, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(packageRoot, 'dist/index.cjs'))).toBe(true);
  });

  // d cross-entropy / d logits = softmax − one-hot = [1/3 − 1, 1/3, 1/3].
  // With LibTorch installed (CI installs it), the monorepo's @tessera/backend-torch is built and
  // the best available backend is `torch`; otherwise the embedded default, `wasm`.
  const torchBuilt = existsSync(join(packageRoot, '../backend-torch/build/Release/tessera_torch.node'));
  const expected = {
    backend: torchBuilt ? 'torch' : 'wasm',
    square: [2, 4, 6],
    embedding: [2, 2, 0, 0, 1, 1],
    crossEntropy: [-0.6667, 0.3333, 0.3333],
  };

  it('computes gradients when imported from ESM', () => {
    const source = program("import * as core from '@tessera/core';").replace('(async () => {', 'await (async () => {');
    expect(run(['--input-type=module', '-e', source])).toEqual(expected);
  });

  it('computes gradients when required from CommonJS', () => {
    expect(run(['--input-type=commonjs', '-e', program("const core = require('@tessera/core');")])).toEqual(expected);
  });
});

describe('the public API', () => {
  it('exports every layer the modelling kit documents', async () => {
    const core = await import('./index.js');
    for (const name of [
      'Linear',
      'Embedding',
      'LayerNorm',
      'RMSNorm',
      'Dropout',
      'Conv2d',
      'MaxPool2d',
      'AvgPool2d',
      'GlobalAveragePooling2d',
      'BatchNorm',
      'Flatten',
      'Sequential',
      'ModuleList',
      'LSTM',
      'GRU',
    ]) {
      expect(typeof (core as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
