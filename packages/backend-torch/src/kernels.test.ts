// Every kernel against tfjs's cpu backend (the reference implementation of tfjs semantics) on
// random shapes and values: forward outputs, and for differentiable ops the gradients tfjs
// derives from the torch kernels.
import { tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import './index.js';
import { type InputSpec, makeValues, maxRelativeDifference, runOn, seededRandom, skipReason } from './test-support.js';

interface Case {
  name: string;
  inputs: InputSpec[];
  compute: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /** Also compare gradients of sum(output * weights) with respect to the float inputs. */
  gradient?: boolean;
  /** Computes the same function another way on cpu, where tfjs's cpu gradient is not a reference. */
  gradientReference?: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  tolerance?: number;
}

// tfjs's cpu AvgPoolGrad spreads every gradient over the whole window (1 / filter size) even
// where its forward pass left padding out of the average; TensorFlow's own kernel does not. The
// reference for padded windows is the same average written as window sums / window counts.
const averagePoolAsSums = (stride: number, pad: 'same' | 'valid' | number) => (x: tf.Tensor) => {
  const window = tf.ones([3, 3, x.shape[3]!, 1]) as tf.Tensor4D;
  const sums = tf.depthwiseConv2d(x as tf.Tensor4D, window, stride, pad);
  const counts = tf.depthwiseConv2d(tf.onesLike(x) as tf.Tensor4D, window, stride, pad);
  return tf.div(sums, counts);
};

const f = (...shape: number[]): InputSpec => ({ shape });
const positive = (...shape: number[]): InputSpec => ({ shape, low: 0.1, high: 3 });
const int = (low: number, high: number, ...shape: number[]): InputSpec => ({ shape, dtype: 'int32', low, high });
const bool = (...shape: number[]): InputSpec => ({ shape, dtype: 'bool' });

const unary: [string, (x: tf.Tensor) => tf.Tensor, InputSpec?][] = [
  ['abs', tf.abs],
  ['acos', tf.acos, { shape: [3, 4], low: -0.9, high: 0.9 }],
  ['asin', tf.asin, { shape: [3, 4], low: -0.9, high: 0.9 }],
  ['atan', tf.atan],
  ['ceil', tf.ceil],
  ['cos', tf.cos],
  ['cosh', tf.cosh],
  ['elu', tf.elu],
  ['erf', tf.erf],
  ['exp', tf.exp],
  ['expm1', tf.expm1],
  ['floor', tf.floor],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)],
  ['log', tf.log, positive(3, 4)],
  ['log1p', tf.log1p, positive(3, 4)],
  ['neg', tf.neg],
  ['reciprocal', tf.reciprocal, positive(3, 4)],
  ['relu', tf.relu],
  ['relu6', (x) => tf.relu6(tf.mul(x, 4))],
  ['round', tf.round],
  ['rsqrt', tf.rsqrt, positive(3, 4)],
  ['selu', tf.selu],
  ['sigmoid', tf.sigmoid],
  ['sign', tf.sign],
  ['sin', tf.sin],
  ['sinh', tf.sinh],
  ['softplus', tf.softplus],
  ['sqrt', tf.sqrt, positive(3, 4)],
  ['square', tf.square],
  ['step', (x) => tf.step(x, 0.3)],
  ['tan', tf.tan, { shape: [3, 4], low: -1, high: 1 }],
  ['tanh', tf.tanh],
  ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.7)],
  ['softmax', (x) => tf.softmax(x)],
  ['logSoftmax', (x) => tf.logSoftmax(x)],
  ['prelu', (x) => tf.prelu(x, tf.tensor1d([0.1, 0.2, 0.3, 0.4]))],
];

const cases: Case[] = [
  ...unary.map(([name, op, spec]) => ({ name, inputs: [spec ?? f(3, 4)], compute: op, gradient: true })),
  // Broadcasting binary arithmetic.
  { name: 'add', inputs: [f(2, 3, 4), f(3, 1)], compute: tf.add, gradient: true },
  { name: 'sub', inputs: [f(4), f(2, 3, 4)], compute: tf.sub, gradient: true },
  { name: 'mul', inputs: [f(2, 1, 4), f(3, 1)], compute: tf.mul, gradient: true },
  { name: 'div', inputs: [f(2, 3), positive(3)], compute: tf.div, gradient: true },
  { name: 'floorDiv', inputs: [f(3, 4), positive(4)], compute: tf.floorDiv },
  { name: 'int div', inputs: [int(-9, 9, 3, 4), int(1, 4, 4)], compute: tf.div },
  { name: 'mod', inputs: [f(3, 4), positive(4)], compute: tf.mod },
  { name: 'pow', inputs: [positive(3, 4), f(4)], compute: tf.pow, gradient: true },
  // tfjs's own gradients of these do not reduce over broadcast axes: same shapes for gradients.
  { name: 'maximum', inputs: [f(3, 4), f(3, 4)], compute: tf.maximum, gradient: true },
  { name: 'maximum broadcast', inputs: [f(3, 4), f(4)], compute: tf.maximum },
  { name: 'minimum', inputs: [f(3, 4), f(3, 4)], compute: tf.minimum, gradient: true },
  { name: 'squaredDifference', inputs: [f(3, 4), f(3, 4)], compute: tf.squaredDifference, gradient: true },
  { name: 'squaredDifference broadcast', inputs: [f(3, 4), f(4)], compute: tf.squaredDifference },
  { name: 'atan2', inputs: [f(3, 4), f(3, 4)], compute: tf.atan2 },
  { name: 'addN', inputs: [f(2, 3), f(2, 3), f(2, 3)], compute: (a, b, c) => tf.addN([a!, b!, c!]), gradient: true },
  { name: 'int add', inputs: [int(-5, 5, 3, 4), int(-5, 5, 4)], compute: tf.add },
  // Comparisons and logic.
  { name: 'equal', inputs: [int(0, 3, 3, 4), int(0, 3, 4)], compute: tf.equal },
  { name: 'notEqual', inputs: [int(0, 3, 3, 4), int(0, 3, 4)], compute: tf.notEqual },
  { name: 'less', inputs: [f(3, 4), f(4)], compute: tf.less },
  { name: 'lessEqual', inputs: [f(3, 4), f(4)], compute: tf.lessEqual },
  { name: 'greater', inputs: [f(3, 4), f(4)], compute: tf.greater },
  { name: 'greaterEqual', inputs: [f(3, 4), f(4)], compute: tf.greaterEqual },
  { name: 'logicalAnd', inputs: [bool(3, 4), bool(4)], compute: tf.logicalAnd },
  { name: 'logicalOr', inputs: [bool(3, 4), bool(4)], compute: tf.logicalOr },
  { name: 'logicalNot', inputs: [bool(3, 4)], compute: tf.logicalNot },
  { name: 'where', inputs: [bool(3, 4), f(3, 4), f(3, 4)], compute: (c, a, b) => tf.where(c!, a!, b!) },
  {
    name: 'step at NaN, ±Infinity, 0 and tiny values',
    inputs: [f(4)],
    compute: (x) => {
      const special = tf.concat([
        x,
        tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 1e-30, -1e-30]),
      ]);
      return [tf.step(special), tf.step(special, 0.25)];
    },
  },
  { name: 'isNaN', inputs: [f(3, 4)], compute: (x) => tf.isNaN(tf.log(x)) },
  // Casts.
  { name: 'cast float->int', inputs: [f(3, 4)], compute: (x) => tf.cast(tf.mul(x, 3), 'int32') },
  { name: 'cast int->float', inputs: [int(-9, 9, 3, 4)], compute: (x) => tf.cast(x, 'float32') },
  { name: 'cast float->bool', inputs: [int(-1, 2, 3, 4)], compute: (x) => tf.cast(tf.cast(x, 'float32'), 'bool') },
  // Reductions.
  { name: 'sum all', inputs: [f(3, 4, 5)], compute: (x) => tf.sum(x), gradient: true },
  { name: 'sum axes keepDims', inputs: [f(3, 4, 5)], compute: (x) => tf.sum(x, [0, 2], true), gradient: true },
  { name: 'int sum', inputs: [int(-5, 5, 3, 4)], compute: (x) => tf.sum(x, 1) },
  { name: 'mean', inputs: [f(3, 4, 5)], compute: (x) => tf.mean(x, -1), gradient: true },
  { name: 'max', inputs: [f(3, 4, 5)], compute: (x) => tf.max(x, [1, 2]), gradient: true },
  { name: 'min', inputs: [f(3, 4, 5)], compute: (x) => tf.min(x, 0, true), gradient: true },
  // (tfjs's Prod gradient needs chained ops that tfjs-core alone does not install: forward only.)
  { name: 'prod', inputs: [f(3, 4)], compute: (x) => tf.prod(x, 1) },
  { name: 'all/any', inputs: [bool(3, 4)], compute: (x) => [tf.all(x, 1), tf.any(x, 0)] },
  { name: 'argMax/argMin', inputs: [f(3, 4, 5)], compute: (x) => [tf.argMax(x, 1), tf.argMin(x, -1)] },
  { name: 'logSumExp', inputs: [f(3, 4)], compute: (x) => tf.logSumExp(x, 1), gradient: true },
  { name: 'cumsum', inputs: [f(3, 4)], compute: (x) => [tf.cumsum(x, 1), tf.cumsum(x, 1, true, true)], gradient: true },
  // (tfjs's Cumsum gradient transposes wrongly for an inner axis: forward only.)
  { name: 'cumsum axis 0', inputs: [f(3, 4)], compute: (x) => [tf.cumsum(x, 0), tf.cumsum(x, 0, true, true)] },
  // Matrix products.
  { name: 'matMul', inputs: [f(3, 5), f(5, 4)], compute: (a, b) => tf.matMul(a!, b!), gradient: true },
  {
    name: 'matMul transposed',
    inputs: [f(5, 3), f(4, 5)],
    compute: (a, b) => tf.matMul(a!, b!, true, true),
    gradient: true,
  },
  {
    name: 'batched matMul',
    inputs: [f(2, 3, 4, 5), f(2, 3, 5, 2)],
    compute: (a, b) => tf.matMul(a!, b!, false, false),
    gradient: true,
  },
  {
    name: 'batched matMul transposed',
    inputs: [f(2, 5, 4), f(2, 3, 5)],
    compute: (a, b) => tf.matMul(a!, b!, true, true),
    gradient: true,
  },
  { name: 'batched matMul broadcast', inputs: [f(2, 3, 4, 5), f(3, 5, 2)], compute: (a, b) => tf.matMul(a!, b!) },
  {
    name: 'fused matMul',
    inputs: [f(3, 5), f(5, 4), f(4)],
    compute: (a, b, bias) => tf.fused.matMul({ a: a!, b: b!, bias, activation: 'relu' }),
    gradient: true,
  },
  // Layout.
  { name: 'reshape', inputs: [f(2, 3, 4)], compute: (x) => tf.reshape(x, [4, -1]), gradient: true },
  { name: 'transpose', inputs: [f(2, 3, 4)], compute: (x) => tf.transpose(x, [2, 0, 1]), gradient: true },
  {
    name: 'concat',
    inputs: [f(2, 3), f(2, 1), f(2, 2)],
    compute: (a, b, c) => tf.concat([a!, b!, c!], 1),
    gradient: true,
  },
  {
    name: 'stack/unstack',
    inputs: [f(2, 3), f(2, 3)],
    compute: (a, b) => tf.unstack(tf.stack([a!, b!], 1), 2),
    gradient: true,
  },
  { name: 'slice', inputs: [f(4, 5, 6)], compute: (x) => tf.slice(x, [1, 0, 2], [2, -1, 3]), gradient: true },
  {
    name: 'stridedSlice',
    inputs: [f(5, 6)],
    compute: (x) => [tf.stridedSlice(x, [1, 0], [5, 6], [2, 3]), tf.stridedSlice(x, [4, 5], [0, 0], [-1, -2])],
  },
  { name: 'split', inputs: [f(4, 6)], compute: (x) => tf.split(x, [1, 2, 3], 1), gradient: true },
  { name: 'split 5-D', inputs: [f(2, 3, 2, 3, 6)], compute: (x) => tf.split(x, 3, -1), gradient: true },
  {
    name: 'pad',
    inputs: [f(2, 3)],
    compute: (x) =>
      tf.pad(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        0.5,
      ),
    gradient: true,
  },
  { name: 'tile', inputs: [f(2, 3)], compute: (x) => tf.tile(x, [2, 3]), gradient: true },
  { name: 'reverse', inputs: [f(2, 3, 4)], compute: (x) => tf.reverse(x, [0, 2]), gradient: true },
  { name: 'broadcastTo', inputs: [f(3, 1)], compute: (x) => tf.broadcastTo(x, [2, 3, 4]), gradient: true },
  {
    name: 'fill/zerosLike/onesLike',
    inputs: [f(2, 3)],
    compute: (x) => [tf.fill([2, 2], 7), tf.zerosLike(x), tf.onesLike(x)],
  },
  { name: 'range', inputs: [], compute: () => [tf.range(0, 10, 3), tf.range(1, 4, 0.5), tf.range(0, 5, 1, 'int32')] },
  // Indexing.
  { name: 'gather', inputs: [f(5, 3), int(0, 5, 2, 4)], compute: (x, i) => tf.gather(x!, i!), gradient: true },
  {
    name: 'gather axis 1',
    inputs: [f(2, 5, 3), int(0, 5, 4)],
    compute: (x, i) => tf.gather(x!, i!, 1),
    gradient: true,
  },
  { name: 'gatherND', inputs: [f(4, 5, 3), int(0, 4, 6, 2)], compute: (x, i) => tf.gatherND(x!, i!) },
  {
    name: 'expandDims',
    inputs: [f(3, 4)],
    compute: (x) => [tf.expandDims(x, 1), tf.expandDims(x, -1)],
    gradient: true,
  },
  {
    name: 'mirrorPad',
    inputs: [f(4, 5)],
    compute: (x) =>
      tf.mirrorPad(
        x,
        [
          [1, 2],
          [2, 0],
        ],
        'reflect',
      ),
  },
  {
    name: 'unsortedSegmentSum',
    inputs: [f(6, 3), int(0, 4, 6)],
    compute: (x, ids) => tf.unsortedSegmentSum(x!, ids as tf.Tensor1D, 4),
    gradient: true,
  },
  { name: 'scatterND', inputs: [int(0, 4, 5, 1), f(5, 3)], compute: (i, u) => tf.scatterND(i!, u!, [4, 3]) },
  { name: 'topk', inputs: [f(3, 8)], compute: (x) => Object.values(tf.topk(x, 3)) },
  { name: 'oneHot', inputs: [int(-1, 5, 2, 3)], compute: (i) => tf.oneHot(i!, 5, 2, -1) },
  // Batch norm.
  {
    name: 'batchNorm',
    inputs: [f(2, 3, 4), f(4), positive(4), f(4), f(4)],
    compute: (x, mean, variance, offset, scale) => tf.batchNorm(x!, mean!, variance!, offset, scale, 1e-3),
    gradient: true,
  },
  // Convolutions and pooling (NHWC), with symmetric and asymmetric 'same' padding.
  ...(
    [
      [1, 'valid'],
      [1, 'same'],
      [2, 'same'],
      [2, 'valid'],
      [1, 1],
    ] as const
  ).flatMap(([stride, pad]): Case[] => [
    {
      name: `conv2d stride ${stride} pad ${pad}`,
      inputs: [f(2, 7, 6, 3), f(3, 3, 3, 4)],
      compute: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
      gradient: true,
      tolerance: 1e-4,
    },
    {
      name: `depthwiseConv2d stride ${stride} pad ${pad}`,
      inputs: [f(2, 7, 6, 3), f(3, 3, 3, 2)],
      compute: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
      gradient: true,
      tolerance: 1e-4,
    },
    {
      name: `maxPool stride ${stride} pad ${pad}`,
      inputs: [f(2, 7, 6, 3)],
      compute: (x) => tf.maxPool(x as tf.Tensor4D, 3, stride, pad),
      gradient: true,
    },
    {
      name: `avgPool stride ${stride} pad ${pad}`,
      inputs: [f(2, 7, 6, 3)],
      compute: (x) => tf.avgPool(x as tf.Tensor4D, 3, stride, pad),
      gradient: true,
      gradientReference: pad === 'valid' ? undefined : averagePoolAsSums(stride, pad),
    },
  ]),
  {
    name: 'fused conv2d bias relu',
    inputs: [f(2, 6, 6, 3), f(3, 3, 3, 4), f(4)],
    compute: (x, w, b) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: b,
        activation: 'relu',
      }),
    gradient: true,
    tolerance: 1e-4,
  },
  // Resizing, every sampling rule. tfjs's cpu gradient kernels are a reference only for square
  // inputs (ResizeBilinearGrad returns [batch, width, height, depth]) and without
  // halfPixelCenters (they ignore it), so gradients are compared on those.
  ...(
    [
      [false, false],
      [true, false],
      [false, true],
    ] as const
  ).flatMap(([alignCorners, halfPixelCenters]): Case[] => [
    {
      name: `resizeBilinear alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`,
      inputs: [f(2, 5, 7, 3)],
      compute: (x) => [
        tf.image.resizeBilinear(x as tf.Tensor4D, [8, 4], alignCorners, halfPixelCenters),
        tf.image.resizeBilinear(x as tf.Tensor4D, [3, 11], alignCorners, halfPixelCenters),
      ],
    },
    {
      name: `resizeBilinear gradient alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`,
      inputs: [f(2, 6, 6, 3)],
      compute: (x) => [tf.image.resizeBilinear(x as tf.Tensor4D, [9, 4], alignCorners, halfPixelCenters)],
      gradient: !halfPixelCenters,
    },
    {
      name: `resizeNearestNeighbor alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`,
      inputs: [f(2, 5, 7, 3)],
      compute: (x) => [
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 4], alignCorners, halfPixelCenters),
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 11], alignCorners, halfPixelCenters),
      ],
    },
    {
      name: `resizeNearestNeighbor gradient alignCorners ${alignCorners} halfPixelCenters ${halfPixelCenters}`,
      inputs: [f(2, 6, 6, 3)],
      compute: (x) => [tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [9, 4], alignCorners, halfPixelCenters)],
      gradient: !halfPixelCenters,
    },
  ]),
  {
    name: 'dilated conv2d',
    inputs: [f(1, 9, 9, 2), f(3, 3, 2, 3)],
    compute: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2),
    tolerance: 1e-4,
  },
];

describe.skipIf(skipReason !== '')(`torch kernels match the cpu backend ${skipReason}`, () => {
  beforeAll(async () => {
    await tf.setBackend('torch');
  });

  for (const [index, testCase] of cases.entries()) {
    it(testCase.name, async () => {
      const random = seededRandom(1000 + index);
      const values = testCase.inputs.map((spec) => makeValues(spec, random));
      const tolerance = testCase.tolerance ?? 1e-5;
      const forward = await Promise.all(
        ['cpu', 'torch'].map((backend) => runOn(backend, testCase.inputs, values, testCase.compute)),
      );
      const [expected, actual] = forward as [Awaited<ReturnType<typeof runOn>>, Awaited<ReturnType<typeof runOn>>];
      expect(actual.length).toBe(expected.length);
      for (const [output, reference] of expected.entries()) {
        expect(actual[output]!.shape).toEqual(reference.shape);
        expect(actual[output]!.dtype).toBe(reference.dtype);
        expect(maxRelativeDifference(actual[output]!.values, reference.values)).toBeLessThanOrEqual(tolerance);
      }
      if (!testCase.gradient) return;
      // d/dx sum(output * weights), weights random so every output element matters differently.
      const floatInputs = testCase.inputs
        .map((spec, position) => ({ spec, position }))
        .filter(({ spec }) => (spec.dtype ?? 'float32') === 'float32');
      const gradients = async (backend: string) =>
        runOn(backend, testCase.inputs, values, (...inputs) => {
          const compute = backend === 'cpu' ? (testCase.gradientReference ?? testCase.compute) : testCase.compute;
          const loss = (...floats: tf.Tensor[]) => {
            const all = [...inputs];
            for (const [slot, { position }] of floatInputs.entries()) all[position] = floats[slot]!;
            const result = compute(...all);
            const outputs = (Array.isArray(result) ? result : [result]).filter((output) => output.dtype === 'float32');
            const random = seededRandom(7 + index);
            return tf.addN(
              outputs.map((output) =>
                tf.sum(tf.mul(output, tf.tensor(makeValues({ shape: output.shape }, random), output.shape))),
              ),
            ) as tf.Scalar;
          };
          return tf.grads(loss)(floatInputs.map(({ position }) => inputs[position]!));
        });
      const reference = await gradients('cpu');
      const torchGradients = await gradients('torch');
      for (const [slot, expectedGradient] of reference.entries()) {
        expect(torchGradients[slot]!.shape).toEqual(expectedGradient.shape);
        expect(maxRelativeDifference(torchGradients[slot]!.values, expectedGradient.values)).toBeLessThanOrEqual(
          tolerance * 10,
        );
      }
    });
  }
});
