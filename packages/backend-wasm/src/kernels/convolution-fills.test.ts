import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

/**
 * Each fill on wasm against the cpu backend's native kernel, on random geometries: batch, size,
 * channels, filter, strides, paddings ('same', 'valid', symmetric and explicit), dilations and,
 * for conv2d, both data formats.
 */

type Padding = 'same' | 'valid' | 'symmetric' | 'explicit' | tf.backend_util.ExplicitPadding;

/** What randomGeometry returns: a concrete padding, never the 'symmetric'/'explicit' markers. */
interface Geometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  dilations: [number, number];
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
}

function randomGeometry(random: () => number, allowDilation: boolean): Geometry {
  for (;;) {
    const strided = random() < 0.5;
    const dilated = allowDilation && !strided && random() < 0.6;
    const geometry: Omit<Geometry, 'pad'> & { pad: Padding } = {
      batch: randomInteger(random, 1, 3),
      height: randomInteger(random, 3, 11),
      width: randomInteger(random, 3, 11),
      channels: randomInteger(random, 1, 4),
      filterHeight: randomInteger(random, 1, 4),
      filterWidth: randomInteger(random, 1, 4),
      strides: strided ? [randomInteger(random, 1, 3), randomInteger(random, 2, 3)] : [1, 1],
      dilations: dilated ? [randomInteger(random, 1, 3), randomInteger(random, 2, 3)] : [1, 1],
      pad: (['same', 'valid', 'symmetric', 'explicit'] as const)[randomInteger(random, 0, 3)] as Padding,
    };
    // Explicit arrays, never a number: tfjs 4.22 sizes the output width from the filter height
    // when `pad` is a number, wrong for non-square filters (and wasm then reads out of bounds).
    if (geometry.pad === 'symmetric') {
      const amount = randomInteger(random, 1, 2);
      geometry.pad = [
        [0, 0],
        [amount, amount],
        [amount, amount],
        [0, 0],
      ];
    } else if (geometry.pad === 'explicit') {
      geometry.pad = [
        [0, 0],
        [randomInteger(random, 0, 2), randomInteger(random, 0, 2)],
        [randomInteger(random, 0, 2), randomInteger(random, 0, 2)],
        [0, 0],
      ];
    }
    const info = tf.backend_util.computeConv2DInfo(
      [geometry.batch, geometry.height, geometry.width, geometry.channels],
      [geometry.filterHeight, geometry.filterWidth, geometry.channels, 1],
      geometry.strides,
      geometry.dilations,
      geometry.pad,
    );
    if (info.outHeight < 1 || info.outWidth < 1) continue; // empty outputs are tested separately
    return geometry as Geometry;
  }
}

function describeGeometry(geometry: Geometry): string {
  return JSON.stringify(geometry);
}

const CASES = 24;

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

describe('Conv2DBackpropFilter fill', () => {
  it('matches the cpu kernel over random geometries and both data formats', async () => {
    const random = seededRandom(11);
    for (let c = 0; c < CASES; c++) {
      const geometry = randomGeometry(random, false);
      const outChannels = randomInteger(random, 1, 5);
      const dataFormat = c % 3 === 2 ? 'NCHW' : 'NHWC';
      const filterShape: [number, number, number, number] = [
        geometry.filterHeight,
        geometry.filterWidth,
        geometry.channels,
        outChannels,
      ];
      const nhwc: [number, number, number, number] = [
        geometry.batch,
        geometry.height,
        geometry.width,
        geometry.channels,
      ];
      const info = tf.backend_util.computeConv2DInfo(nhwc, filterShape, geometry.strides, 1, geometry.pad);
      // Explicit paddings are written in the data format's own axis order.
      const pad =
        dataFormat === 'NCHW' && Array.isArray(geometry.pad)
          ? [geometry.pad[0], geometry.pad[3], geometry.pad[1], geometry.pad[2]]
          : geometry.pad;
      const xShape =
        dataFormat === 'NHWC' ? nhwc : [geometry.batch, geometry.channels, geometry.height, geometry.width];
      const dyShape =
        dataFormat === 'NHWC'
          ? [geometry.batch, info.outHeight, info.outWidth, outChannels]
          : [geometry.batch, outChannels, info.outHeight, info.outWidth];
      const x = randomValues(
        random,
        xShape.reduce((a, b) => a * b),
      );
      const dy = randomValues(
        random,
        dyShape.reduce((a, b) => a * b),
      );
      const compute = () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, {
          strides: geometry.strides,
          pad,
          dataFormat,
          filterShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);
      expect(actual.shape, describeGeometry(geometry)).toEqual(filterShape);
      expect(relativeError(actual.values, expected.values), describeGeometry(geometry)).toBeLessThan(1e-4);
    }
  });

  it('supports dilations: equals the cpu gradient of the equivalent zero-inserted filter', async () => {
    // conv2d(x, w, dilation d) = conv2d(x, w with d−1 zeros between taps), so the dilated filter
    // gradient is the undilated gradient of that larger filter, read at every d-th tap.
    const random = seededRandom(12);
    for (let c = 0; c < 8; c++) {
      const geometry = randomGeometry(random, true);
      geometry.strides = [1, 1];
      const outChannels = randomInteger(random, 1, 4);
      const [dilationHeight, dilationWidth] = geometry.dilations;
      const filterShape: [number, number, number, number] = [
        geometry.filterHeight,
        geometry.filterWidth,
        geometry.channels,
        outChannels,
      ];
      const inflatedShape: [number, number, number, number] = [
        (geometry.filterHeight - 1) * dilationHeight + 1,
        (geometry.filterWidth - 1) * dilationWidth + 1,
        geometry.channels,
        outChannels,
      ];
      const xShape: [number, number, number, number] = [
        geometry.batch,
        geometry.height,
        geometry.width,
        geometry.channels,
      ];
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, geometry.dilations, geometry.pad);
      const dyShape = [geometry.batch, info.outHeight, info.outWidth, outChannels];
      const x = randomValues(
        random,
        xShape.reduce((a, b) => a * b),
      );
      const dy = randomValues(
        random,
        dyShape.reduce((a, b) => a * b),
      );
      const expected = await runOn('cpu', () => {
        const inflated = tf
          .engine()
          .runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, {
            strides: 1,
            pad: geometry.pad,
            dataFormat: 'NHWC',
            filterShape: inflatedShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        return tf.stridedSlice(inflated, [0, 0, 0, 0], inflatedShape, [dilationHeight, dilationWidth, 1, 1]);
      });
      const actual = await runOn(
        'wasm',
        () =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, {
            strides: 1,
            pad: geometry.pad,
            dataFormat: 'NHWC',
            filterShape,
            dilations: geometry.dilations,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      expect(actual.shape).toEqual(filterShape);
      expect(relativeError(actual.values, expected.values), describeGeometry(geometry)).toBeLessThan(1e-4);
    }
  });
});

describe('DepthwiseConv2dNative backprop fills', () => {
  // tfjs-backend-cpu's depthwise backprop kernels ignore `dilations` (tfjs's gradient only allows
  // 1), so the reference for a dilated case is cpu's undilated kernel on the equivalent filter
  // with dilation − 1 zeros between taps: the same convolution, hence the same gradients.
  const depthwiseCase = (random: () => number) => {
    const geometry = randomGeometry(random, true);
    const multiplier = randomInteger(random, 1, 3);
    const [dilationHeight, dilationWidth] = geometry.dilations;
    const filterShape: [number, number, number, number] = [
      geometry.filterHeight,
      geometry.filterWidth,
      geometry.channels,
      multiplier,
    ];
    const inflatedShape: [number, number, number, number] = [
      (geometry.filterHeight - 1) * dilationHeight + 1,
      (geometry.filterWidth - 1) * dilationWidth + 1,
      geometry.channels,
      multiplier,
    ];
    const xShape: [number, number, number, number] = [
      geometry.batch,
      geometry.height,
      geometry.width,
      geometry.channels,
    ];
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      geometry.strides,
      geometry.dilations,
      geometry.pad,
      undefined,
      true,
    );
    const dyShape = [geometry.batch, info.outHeight, info.outWidth, geometry.channels * multiplier];
    const filter = randomValues(
      random,
      filterShape.reduce((a, b) => a * b),
    );
    return {
      geometry,
      filterShape,
      inflatedShape,
      xShape,
      dyShape,
      attrs: { strides: geometry.strides, dilations: geometry.dilations, pad: geometry.pad },
      referenceAttrs: { strides: geometry.strides, dilations: 1, pad: geometry.pad },
      x: randomValues(
        random,
        xShape.reduce((a, b) => a * b),
      ),
      filter,
      /** The filter with zeros between taps, built on the active backend. */
      inflatedFilter: () => {
        const taps = tf.tensor4d(filter, filterShape);
        if (dilationHeight === 1 && dilationWidth === 1) return taps;
        const spread = tf.pad(
          tf.reshape(taps, [geometry.filterHeight, 1, geometry.filterWidth, 1, geometry.channels * multiplier]),
          [
            [0, 0],
            [0, dilationHeight - 1],
            [0, 0],
            [0, dilationWidth - 1],
            [0, 0],
          ],
        );
        const grid = tf.reshape(spread, [
          geometry.filterHeight * dilationHeight,
          geometry.filterWidth * dilationWidth,
          geometry.channels,
          multiplier,
        ]);
        return tf.slice(grid, [0, 0, 0, 0], inflatedShape);
      },
      dy: randomValues(
        random,
        dyShape.reduce((a, b) => a * b),
      ),
    };
  };

  it('filter gradient matches the cpu kernel over random geometries, strides and dilations', async () => {
    const random = seededRandom(21);
    for (let c = 0; c < CASES; c++) {
      const testCase = depthwiseCase(random);
      const inputs = () => ({
        x: tf.tensor(testCase.x, testCase.xShape),
        dy: tf.tensor(testCase.dy, testCase.dyShape),
      });
      const [dilationHeight, dilationWidth] = testCase.geometry.dilations;
      const expected = await runOn('cpu', () => {
        const inflated = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, inputs(), {
          ...testCase.referenceAttrs,
          filterShape: testCase.inflatedShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
        return tf.stridedSlice(inflated, [0, 0, 0, 0], testCase.inflatedShape, [dilationHeight, dilationWidth, 1, 1]);
      });
      const actual = await runOn(
        'wasm',
        () =>
          tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, inputs(), {
            ...testCase.attrs,
            filterShape: testCase.filterShape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      expect(actual.shape).toEqual(testCase.filterShape);
      expect(relativeError(actual.values, expected.values), describeGeometry(testCase.geometry)).toBeLessThan(1e-4);
    }
  });

  it('input gradient matches the cpu kernel over random geometries, strides and dilations', async () => {
    const random = seededRandom(22);
    for (let c = 0; c < CASES; c++) {
      const testCase = depthwiseCase(random);
      const expected = await runOn(
        'cpu',
        () =>
          tf
            .engine()
            .runKernel(
              tf.DepthwiseConv2dNativeBackpropInput,
              { dy: tf.tensor(testCase.dy, testCase.dyShape), filter: testCase.inflatedFilter() },
              { ...testCase.referenceAttrs, inputShape: testCase.xShape } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor,
      );
      const actual = await runOn(
        'wasm',
        () =>
          tf.engine().runKernel(
            tf.DepthwiseConv2dNativeBackpropInput,
            {
              dy: tf.tensor(testCase.dy, testCase.dyShape),
              filter: tf.tensor(testCase.filter, testCase.filterShape),
            },
            { ...testCase.attrs, inputShape: testCase.xShape } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
      );
      expect(actual.shape).toEqual(testCase.xShape);
      expect(relativeError(actual.values, expected.values), describeGeometry(testCase.geometry)).toBeLessThan(1e-4);
    }
  });
});

describe('gradients through the public ops on wasm equal cpu', () => {
  it('conv2d, depthwiseConv2d and separableConv2d', async () => {
    const random = seededRandom(31);
    for (let c = 0; c < 8; c++) {
      const geometry = randomGeometry(random, false);
      const outChannels = randomInteger(random, 1, 4);
      const xShape: [number, number, number, number] = [
        geometry.batch,
        geometry.height,
        geometry.width,
        geometry.channels,
      ];
      const x = randomValues(
        random,
        xShape.reduce((a, b) => a * b),
      );
      const convFilterShape = [geometry.filterHeight, geometry.filterWidth, geometry.channels, outChannels];
      const convFilter = randomValues(
        random,
        convFilterShape.reduce((a, b) => a * b),
      );
      const depthFilterShape = [geometry.filterHeight, geometry.filterWidth, geometry.channels, 2];
      const depthFilter = randomValues(
        random,
        depthFilterShape.reduce((a, b) => a * b),
      );
      const pointFilterShape = [1, 1, geometry.channels * 2, outChannels];
      const pointFilter = randomValues(
        random,
        pointFilterShape.reduce((a, b) => a * b),
      );
      // tfjs's separableConv2d accepts a padding mode, not explicit padding.
      const pad = typeof geometry.pad === 'string' ? (geometry.pad as 'same' | 'valid') : 'same';
      const lossOf = (input: tf.Tensor4D, convW: tf.Tensor4D, depthW: tf.Tensor4D, pointW: tf.Tensor4D) =>
        tf.add(
          tf.sum(tf.square(tf.conv2d(input, convW, geometry.strides, geometry.pad as 'same'))),
          tf.sum(tf.square(tf.separableConv2d(input, depthW, pointW, geometry.strides, pad))),
        );
      const gradients = () => {
        const grads = tf.grads(lossOf as (...args: tf.Tensor[]) => tf.Tensor)([
          tf.tensor4d(x, xShape),
          tf.tensor4d(convFilter, convFilterShape as [number, number, number, number]),
          tf.tensor4d(depthFilter, depthFilterShape as [number, number, number, number]),
          tf.tensor4d(pointFilter, pointFilterShape as [number, number, number, number]),
        ]);
        return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
      };
      const expected = await runOn('cpu', gradients);
      const actual = await runOn('wasm', gradients);
      expect(relativeError(actual.values, expected.values), describeGeometry(geometry)).toBeLessThan(1e-4);
    }
  });
});

describe('empty tensors', () => {
  it('fills return zeros instead of handing empty tensors to native kernels', async () => {
    await tf.setBackend('wasm');
    const pad = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    // A 4-wide filter over a 3-wide input without padding: no output columns at all.
    const x = tf.ones([1, 5, 3, 2]);
    const dy = tf.ones([1, 2, 0, 2]);
    const filterGradient = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
      strides: 1,
      pad,
      dataFormat: 'NHWC',
      filterShape: [4, 4, 2, 2],
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(filterGradient.shape).toEqual([4, 4, 2, 2]);
    expect(Array.from(await filterGradient.data()).every((v) => v === 0)).toBe(true);
    const depthwiseAttrs = { strides: 1, dilations: 1, pad };
    const depthwiseFilterGradient = tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
      ...depthwiseAttrs,
      filterShape: [4, 4, 2, 1],
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(depthwiseFilterGradient.shape).toEqual([4, 4, 2, 1]);
    const inputGradient = tf
      .engine()
      .runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: tf.ones([4, 4, 2, 1]) }, {
        ...depthwiseAttrs,
        inputShape: [1, 5, 3, 2],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(inputGradient.shape).toEqual([1, 5, 3, 2]);
    expect(Array.from(await inputGradient.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, dy, filterGradient, depthwiseFilterGradient, inputGradient]);
  });
});
