// bf16-mixed precision on torch (src/precision.ts, src/kernels/mixed-precision.ts) against two
// independent references: the same computation in fp32 on torch (within bf16's tolerance), and
// PyTorch autocast's semantics computed here in float64 from bf16-rounded operands (a product's
// result is the bf16 rounding of the float32-accumulated product of bf16 operands). Also: a tiny
// GPT trains to fp32's losses, tensor counts and native bytes stay flat, the precision switch is
// the backend contract's, and backends without 16-bit kernels have none. The products checked
// against the float64 reference have more than 16³ multiply-adds (per batch): ATen 1.13 runs
// smaller bf16 products without oneDNN and accumulates those in bf16, as PyTorch autocast does.
import {
  AdamW,
  Conv2d,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  initBackend,
  Linear,
  tf,
} from '@tessera/core';
import { builtinBackendAdapters, fusedLinear, fusedScaledDotProductAttention } from '@tessera/core/backend';
import { GPT, gptConfig } from '@tessera/transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { backendAdapters, setTorchPrecision, type TorchPrecision, torchPrecision } from './index.js';
import { seededRandom, skipReason } from './test-support.js';
import type { TorchBackend } from './torch-backend.js';

/**
 * bf16 keeps 8 significant bits: each operand is rounded by at most 2^-9 of itself, so a product's
 * result moves by ~0.3% of its scale; 1e-2 of the largest value bounds products, gradients and
 * the few elementwise steps around them (the tolerance PyTorch's own autocast tests use for bf16).
 */
const BF16_TOLERANCE = 1e-2;

const float32 = new Float32Array(1);
const bits = new Uint32Array(float32.buffer);

/** The nearest bfloat16 (round to nearest, ties to even), as a number. */
function toBfloat16(value: number): number {
  float32[0] = value;
  const word = bits[0]!;
  bits[0] = (word + 0x7fff + ((word >>> 16) & 1)) & 0xffff0000;
  return float32[0]!;
}

/** True when a float32 value is exactly a bfloat16 (its low 16 bits are zero). */
function isBfloat16(value: number): boolean {
  float32[0] = value;
  return (bits[0]! & 0xffff) === 0;
}

/** max |actual − expected| over the largest |expected|: the error relative to the values' scale. */
function scaledDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let difference = 0;
  let scale = 0;
  for (let index = 0; index < expected.length; index++) {
    difference = Math.max(difference, Math.abs(actual[index]! - expected[index]!));
    scale = Math.max(scale, Math.abs(expected[index]!));
  }
  return difference / scale;
}

/** [rows, inner] · [inner, columns] (+ bias) in float64 on bf16-rounded operands, rounded to bf16. */
function autocastProduct(
  left: ArrayLike<number>,
  right: ArrayLike<number>,
  rows: number,
  inner: number,
  columns: number,
  bias?: ArrayLike<number>,
): number[] {
  const result: number[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      let sum = bias === undefined ? 0 : toBfloat16(bias[column]!);
      for (let k = 0; k < inner; k++)
        sum += toBfloat16(left[row * inner + k]!) * toBfloat16(right[k * columns + column]!);
      result.push(toBfloat16(sum));
    }
  }
  return result;
}

/** [columns, rows] from [rows, columns]. */
function transpose(values: ArrayLike<number>, rows: number, columns: number): number[] {
  const result: number[] = [];
  for (let column = 0; column < columns; column++)
    for (let row = 0; row < rows; row++) result.push(values[row * columns + column]!);
  return result;
}

/** The spacing of bfloat16 values at `value`'s magnitude (8 significant bits). */
function bfloat16Step(value: number): number {
  return value === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(value))) - 7);
}

/**
 * Each value within one bf16 step of the reference: the float32 accumulation inside the product
 * may land a sum on the other side of a rounding boundary than float64 does, never further.
 */
function expectWithinOneBfloat16Step(actual: ArrayLike<number>, expected: number[], label: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  for (let index = 0; index < expected.length; index++) {
    const allowed = bfloat16Step(expected[index]!) + 2 ** -20 * scale;
    expect(Math.abs(actual[index]! - expected[index]!), `${label}[${index}]`).toBeLessThanOrEqual(allowed);
  }
}

function randomValues(size: number, seed: number, scale = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

/** Runs `compute` on torch in `precision`; returns every output as a Float32Array. */
function runIn(precision: TorchPrecision, compute: () => tf.Tensor[]): Float32Array[] {
  setTorchPrecision(precision);
  try {
    const outputs = tf.tidy(compute);
    const values = outputs.map((output) => output.dataSync() as Float32Array);
    tf.dispose(outputs);
    return values;
  } finally {
    setTorchPrecision('fp32');
  }
}

function expectCloseToFp32(compute: () => tf.Tensor[]): Float32Array[] {
  const fp32 = runIn('fp32', compute);
  const mixed = runIn('bf16-mixed', compute);
  fp32.forEach((expected, index) => {
    expect(mixed[index]!.length).toBe(expected.length);
    expect(scaledDifference(mixed[index]!, expected), `output ${index}`).toBeLessThan(BF16_TOLERANCE);
  });
  return mixed;
}

afterEach(() => setTorchPrecision('fp32'));

describe('the precision switch', () => {
  it('is fp32 by default, takes bf16-mixed, and refuses other names with E_TORCH_PRECISION', () => {
    expect(torchPrecision()).toBe('fp32');
    setTorchPrecision('bf16-mixed');
    expect(torchPrecision()).toBe('bf16-mixed');
    expect(() => setTorchPrecision('fp16' as TorchPrecision)).toThrow(/E_TORCH_PRECISION.*fp32, bf16-mixed/);
    expect(torchPrecision()).toBe('bf16-mixed');
  });

  it("is the backend contract's setPrecision on both torch adapters; wasm and cpu have none", async () => {
    for (const adapter of backendAdapters) {
      adapter.setPrecision!('bf16-mixed');
      expect(torchPrecision()).toBe('bf16-mixed');
      adapter.setPrecision!('fp32');
    }
    // Core's adapters find each package; once loaded, a proxy has setPrecision only where its package does.
    await Promise.all(builtinBackendAdapters.map((adapter) => adapter.isAvailable()));
    const withPrecision = builtinBackendAdapters.filter((adapter) => adapter.setPrecision !== undefined);
    expect(withPrecision.map((adapter) => adapter.name)).toEqual(['torch-cuda', 'torch']);
    const torch = builtinBackendAdapters.find((adapter) => adapter.name === 'torch')!;
    torch.setPrecision!('bf16-mixed');
    expect(torchPrecision()).toBe('bf16-mixed');
  });
});

describe.skipIf(skipReason !== '')(`bf16-mixed kernels on torch ${skipReason}`, () => {
  it('wasm refuses to be switched: its adapter has no setPrecision, and its products stay fp32', async () => {
    await initBackend({ backend: 'wasm' });
    const wasm = builtinBackendAdapters.find((adapter) => adapter.name === 'wasm')!;
    expect(wasm.setPrecision).toBeUndefined();
    setTorchPrecision('bf16-mixed'); // the torch backends' switch: wasm's kernels ignore it
    const a = tf.tensor2d(randomValues(6, 1), [2, 3]);
    const product = tf.matMul(a, a, false, true);
    expect(Array.from(product.dataSync()).every(isBfloat16)).toBe(false);
    tf.dispose([a, product]);
    await tf.setBackend('torch');
  });

  it('Linear (core fusedLinear, bias, 3-D input): value and gradients within 1e-2 of fp32, and autocast products', async () => {
    await tf.setBackend('torch');
    const [batch, time, inFeatures, outFeatures] = [3, 5, 24, 12];
    const xValues = randomValues(batch * time * inFeatures, 1);
    const weightValues = randomValues(inFeatures * outFeatures, 2, 0.5); // [in, out]
    const biasValues = randomValues(outFeatures, 3);
    const upstreamValues = randomValues(batch * time * outFeatures, 4);
    const [output, dx, dweight, dbias] = expectCloseToFp32(() => {
      const x = tf.tensor3d(xValues, [batch, time, inFeatures]);
      const weight = tf.tensor2d(weightValues, [inFeatures, outFeatures]);
      const bias = tf.tensor1d(biasValues);
      const upstream = tf.tensor3d(upstreamValues, [batch, time, outFeatures]);
      const gradients = tf.grads((input: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(fusedLinear(input, w, b), upstream)),
      )([x, weight, bias]);
      return [fusedLinear(x, weight, bias), ...gradients];
    });
    const rows = batch * time;
    // PyTorch autocast: addmm of bf16 x, weight and bias; dx = bf16(dy·Wᵀ), dW = bf16(xᵀ·dy).
    expect(Array.from(output!).every(isBfloat16)).toBe(true);
    expectWithinOneBfloat16Step(
      output!,
      autocastProduct(xValues, weightValues, rows, inFeatures, outFeatures, biasValues),
      'y',
    );
    expectWithinOneBfloat16Step(
      dx!,
      autocastProduct(upstreamValues, transpose(weightValues, inFeatures, outFeatures), rows, outFeatures, inFeatures),
      'dx',
    );
    expectWithinOneBfloat16Step(
      dweight!,
      autocastProduct(transpose(xValues, rows, inFeatures), upstreamValues, inFeatures, rows, outFeatures),
      'dW',
    );
    // The bias gradient is a reduction: float32, the column sums of dy.
    const columnSums = Array.from({ length: outFeatures }, (_, column) =>
      Array.from({ length: rows }, (_, row) => upstreamValues[row * outFeatures + column]!).reduce((a, b) => a + b, 0),
    );
    expect(scaledDifference(dbias!, columnSums)).toBeLessThan(1e-6);
  });

  it("core's Linear layer runs its products in bf16 under bf16-mixed", async () => {
    await tf.setBackend('torch');
    const layer = new Linear(16, 8, { bias: false, random: createRandomGenerator(3) });
    const xValues = randomValues(4 * 16, 5);
    const [output] = expectCloseToFp32(() => [layer.forward(tf.tensor2d(xValues, [4, 16]))]);
    expect(Array.from(output!).every(isBfloat16)).toBe(true);
    layer.dispose();
  });

  it('tf.matMul with transposes (BatchMatMul and _FusedMatMul): autocast products, fp32 bias and activation', async () => {
    await tf.setBackend('torch');
    const [batches, rows, inner, columns] = [2, 20, 24, 16];
    const aValues = randomValues(batches * rows * inner, 5);
    const bValues = randomValues(batches * columns * inner, 6);
    const biasValues = randomValues(columns, 7);
    const [product, fused] = expectCloseToFp32(() => {
      const a = tf.tensor3d(aValues, [batches, rows, inner]);
      const b = tf.tensor3d(bValues, [batches, columns, inner]); // used transposed: [batches, inner, columns]
      return [
        tf.matMul(a, b, false, true),
        tf.fused.matMul({ a, b, transposeB: true, bias: tf.tensor1d(biasValues), activation: 'relu' }),
      ];
    });
    const [aSize, bSize, outSize] = [rows * inner, columns * inner, rows * columns];
    for (let batch = 0; batch < batches; batch++) {
      const expected = autocastProduct(
        aValues.subarray(batch * aSize, (batch + 1) * aSize),
        transpose(bValues.subarray(batch * bSize, (batch + 1) * bSize), columns, inner),
        rows,
        inner,
        columns,
      );
      const slice = (values: Float32Array) => values.subarray(batch * outSize, (batch + 1) * outSize);
      expectWithinOneBfloat16Step(slice(product!), expected, `batch ${batch}`);
      // The bias and the relu apply in float32 to the bf16 product.
      const withBias = Array.from(slice(product!), (value, index) => Math.max(0, value + biasValues[index % columns]!));
      expect(scaledDifference(slice(fused!), withBias)).toBeLessThan(1e-6);
    }
  });

  it('scaled dot-product attention (causal mask): output and gradients within 1e-2 of fp32', async () => {
    await tf.setBackend('torch');
    const shape: [number, number, number, number] = [2, 2, 16, 16]; // [batch, heads, time, size]
    const size = 2 * 2 * 16 * 16;
    const [queryValues, keyValues, valueValues, upstreamValues] = [1, 2, 3, 4].map((seed) => randomValues(size, seed));
    const [output, dquery, dkey, dvalue] = expectCloseToFp32(() => {
      const [query, key, value, upstream] = [queryValues, keyValues, valueValues, upstreamValues].map((values) =>
        tf.tensor4d(values!, shape),
      );
      const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([16, 16]), -1, 0)), -1e9); // [time, keys]
      const attend = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        fusedScaledDotProductAttention(q, k, v, mask, 1 / Math.sqrt(16));
      const gradients = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
        tf.sum(tf.mul(attend(q, k, v), upstream!)),
      )([query!, key!, value!]);
      return [attend(query!, key!, value!), ...gradients];
    });
    // The first query attends only to the first key: its output row is that value row, rounded to
    // bf16 on its way into the weights·value product (its weight is exactly 1).
    for (let column = 0; column < 16; column++) expect(output![column]).toBe(toBfloat16(valueValues![column]!));
    for (const gradient of [dquery, dkey, dvalue]) expect(gradient!.every(Number.isFinite)).toBe(true);
  });

  it('conv2d (NHWC, stride 2, same padding): bf16 products; it, a Conv2d layer and depthwiseConv2d (values, gradients) within 1e-2 of fp32', async () => {
    await tf.setBackend('torch');
    const inputValues = randomValues(2 * 9 * 9 * 3, 9);
    const filterValues = randomValues(3 * 3 * 3 * 8, 10, 0.5); // [height, width, in, out]
    const upstreamValues = randomValues(2 * 5 * 5 * 8, 11);
    const [output, dx, dfilter] = expectCloseToFp32(() => {
      const x = tf.tensor4d(inputValues, [2, 9, 9, 3]);
      const filter = tf.tensor4d(filterValues, [3, 3, 3, 8]);
      const upstream = tf.tensor4d(upstreamValues, [2, 5, 5, 8]);
      const convolve = (input: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(input, f, 2, 'same');
      const gradients = tf.grads((input: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(convolve(input as tf.Tensor4D, f as tf.Tensor4D), upstream)),
      )([x, filter]);
      return [convolve(x, filter), ...gradients];
    });
    expect(output!.length).toBe(2 * 5 * 5 * 8);
    for (const values of [output!, dx!, dfilter!]) expect(Array.from(values).every(isBfloat16)).toBe(true);
    // A Conv2d layer (bias added inline by ATen, in bf16 as autocast's convolution) stays close too.
    const layer = new Conv2d(3, 8, 3, { padding: 1, random: createRandomGenerator(8) });
    expectCloseToFp32(() => [layer.forward(tf.tensor4d(inputValues, [2, 9, 9, 3]))]);
    layer.dispose();
    // Depthwise: value and both gradients.
    const depthwiseFilter = randomValues(3 * 3 * 3 * 2, 12, 0.5); // [height, width, in, multiplier]
    expectCloseToFp32(() => {
      const x = tf.tensor4d(inputValues, [2, 9, 9, 3]);
      const filter = tf.tensor4d(depthwiseFilter, [3, 3, 3, 2]);
      const convolve = (input: tf.Tensor, f: tf.Tensor) =>
        tf.depthwiseConv2d(input as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
      return [
        convolve(x, filter),
        ...tf.grads((input: tf.Tensor, f: tf.Tensor) => tf.sum(convolve(input, f)))([x, filter]),
      ];
    });
  });

  const tinyGpt = gptConfig('nanogpt-baby', {
    vocabularySize: 13,
    blockSize: 16,
    layerCount: 2,
    headCount: 2,
    embeddingSize: 32,
    dropout: 0,
  });
  const gptBatch = () => {
    const random = seededRandom(3);
    const tokens = Array.from({ length: 4 * 17 }, () => Math.floor(random() * 13));
    const rows = Array.from({ length: 4 }, (_, row) => tokens.slice(row * 17, row * 17 + 17));
    return {
      inputs: tf.tensor2d(
        rows.map((row) => row.slice(0, 16)),
        [4, 16],
        'int32',
      ),
      targets: tf.tensor2d(
        rows.map((row) => row.slice(1)),
        [4, 16],
        'int32',
      ),
    };
  };

  /** `steps` AdamW steps of the tiny GPT in `precision`; the losses, tensor counts and native bytes after each. */
  function trainGpt(precision: TorchPrecision, steps: number) {
    setTorchPrecision(precision);
    const backend = tf.backend() as TorchBackend;
    const model = new GPT(tinyGpt, { random: createRandomGenerator(5) });
    const optimizer = new AdamW(model.trainableParameters(), { learningRate: 3e-3, weightDecay: 0.1 });
    const { inputs, targets } = gptBatch();
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    const nativeBytes: number[] = [];
    for (let step = 0; step < steps; step++) {
      const loss = tf.tidy(() => {
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss;
      });
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      tensorCounts.push(tf.memory().numTensors);
      nativeBytes.push(backend.memory().nativeBytes);
    }
    // Between steps every live tfjs buffer is one native tensor: no bf16 copy outlives its tensor.
    const liveMatch = backend.memory().nativeTensors === backend.numDataIds();
    tf.dispose([inputs, targets]);
    model.dispose();
    optimizer.dispose();
    setTorchPrecision('fp32');
    return { losses, tensorCounts, nativeBytes, liveMatch };
  }

  it('a tiny GPT trains in bf16-mixed to within 2% of the fp32 losses (20 AdamW steps), and learns', async () => {
    await tf.setBackend('torch');
    const fp32 = trainGpt('fp32', 20);
    const mixed = trainGpt('bf16-mixed', 20);
    // Rounding differences compound over steps; a 2% band is far tighter than the loss's fall.
    for (let step = 0; step < 20; step++) {
      expect(Math.abs(mixed.losses[step]! - fp32.losses[step]!), `step ${step}`).toBeLessThan(
        0.02 * fp32.losses[step]!,
      );
    }
    expect(mixed.losses[19]).toBeLessThan(0.8 * mixed.losses[0]!);
  });

  it('keeps tfjs tensor counts and native bytes flat over 40 bf16-mixed GPT steps, and frees every bf16 copy', async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    const before = backend.memory();
    const { tensorCounts, nativeBytes, liveMatch } = trainGpt('bf16-mixed', 40);
    // The optimizer creates its moment slots on the first step; from then on nothing grows.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    expect(new Set(nativeBytes.slice(1)).size).toBe(1);
    expect(liveMatch).toBe(true);
    expect(backend.memory().nativeTensors).toBe(before.nativeTensors);
    expect(backend.memory().nativeBytes).toBe(before.nativeBytes);
  });
});
