// Reductions over tfjs axes (`axis` may be a number or a list; `keepDims` keeps them as size 1).
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { defineKernel } from './define-kernel.js';

function reduceAxes(x: tf.TensorInfo, axis: number | number[] | undefined): number[] {
  return tf.util.parseAxisParam(axis as number | number[], x.shape);
}

/** Applies a single-axis ATen reduction once per axis, highest axis first so indices stay valid. */
function reduceEachAxis(
  backend: TorchBackend,
  x: tf.TensorInfo,
  axes: number[],
  keepDims: boolean,
  operator: string,
  overload: string,
): NativeTensor {
  let result: NativeTensor = { id: backend.idOf(x), dtype: 'float32', shape: x.shape };
  for (const axis of [...axes].sort((first, second) => second - first)) {
    result = backend.op(operator, overload, [result.id, axis, keepDims]);
  }
  return result;
}

function defineListReduction(kernelName: string, operator: string, overload: string, floatInput = false): void {
  defineKernel(kernelName, ({ inputs: { x }, attrs, backend }) => {
    // tfjs names the axes `reductionIndices` for Max, `axis` elsewhere.
    const axes = reduceAxes(x!, kernelName === tf.Max ? attrs.reductionIndices : attrs.axis);
    // ATen reduces every axis for an empty list; tfjs reduces none.
    if (axes.length === 0) return backend.alias(x!);
    let input = backend.idOf(x!);
    if (floatInput && x!.dtype !== 'float32') input = backend.op('_to_copy', '', [input, 'float32']).id;
    const dtype =
      kernelName === tf.Sum && x!.dtype === 'bool' ? 'int32' : kernelName === tf.Mean ? 'float32' : x!.dtype;
    return backend.output(backend.op(operator, overload, [input, axes, attrs.keepDims ?? false]), dtype);
  });
}

defineListReduction(tf.Sum, 'sum', 'dim_IntList');
defineListReduction(tf.Mean, 'mean', 'dim', true);
defineListReduction(tf.Max, 'amax', '');
defineListReduction(tf.Min, 'amin', '');

for (const [kernelName, operator, overload] of [
  [tf.Prod, 'prod', 'dim_int'],
  [tf.All, 'all', 'dim'],
  [tf.Any, 'any', 'dim'],
] as const) {
  defineKernel(kernelName, ({ inputs: { x }, attrs, backend }) => {
    const axes = reduceAxes(x!, attrs.axis);
    if (axes.length === 0) return backend.alias(x!);
    const dtype = kernelName === tf.Prod ? (x!.dtype === 'bool' ? 'int32' : x!.dtype) : 'bool';
    return backend.output(reduceEachAxis(backend, x!, axes, attrs.keepDims ?? false, operator, overload), dtype);
  });
}

for (const [kernelName, operator] of [
  [tf.ArgMax, 'argmax'],
  [tf.ArgMin, 'argmin'],
] as const) {
  defineKernel(kernelName, ({ inputs: { x }, attrs, backend }) => {
    const [axis] = reduceAxes(x!, attrs.axis);
    return backend.output(backend.op(operator, '', [backend.idOf(x!), axis, false]), 'int32');
  });
}

defineKernel(tf.Softmax, ({ inputs: { logits }, attrs, backend }) =>
  backend.output(backend.op('softmax', 'int', [backend.idOf(logits!), attrs.dim ?? -1])),
);

defineKernel(tf.Cumsum, ({ inputs: { x }, attrs, backend }) => {
  const axis: number = attrs.axis < 0 ? attrs.axis + x!.shape.length : attrs.axis;
  let input = backend.idOf(x!);
  if (attrs.reverse) input = backend.op('flip', '', [input, [axis]]).id;
  let sum = backend.op('cumsum', '', [input, axis]);
  if (attrs.exclusive) sum = backend.op('sub', 'Tensor', [sum.id, input]);
  if (attrs.reverse) sum = backend.op('flip', '', [sum.id, [axis]]);
  return backend.output(sum, x!.dtype);
});
