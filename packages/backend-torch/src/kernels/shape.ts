// Layout kernels. Reshape, Transpose, Slice, Split and BroadcastTo return ATen views that share
// storage with their input; reading or feeding a view to another operator needs no copy here.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor } from '../torch-backend.js';
import { defineKernel } from './define-kernel.js';

defineKernel(tf.Identity, ({ inputs: { x }, backend }) => backend.alias(x!));

defineKernel(tf.Reshape, ({ inputs: { x }, attrs, backend }) => {
  const size = tf.util.sizeFromShape(x!.shape);
  const shape = tf.util.inferFromImplicitShape(attrs.shape, size);
  if (tf.util.sizeFromShape(shape) !== size) {
    throw new Error(`cannot reshape a tensor of ${size} elements (shape [${x!.shape}]) to [${attrs.shape}]`);
  }
  return backend.output(backend.op('reshape', '', [backend.idOf(x!), shape]), x!.dtype);
});

defineKernel(tf.ExpandDims, ({ inputs: { input }, attrs, backend }) => {
  const axis = attrs.dim < 0 ? attrs.dim + input!.shape.length + 1 : attrs.dim;
  return backend.output(backend.op('unsqueeze', '', [backend.idOf(input!), axis]), input!.dtype);
});

defineKernel(tf.MirrorPad, ({ inputs: { x }, attrs, backend }) => {
  if (attrs.mode !== 'reflect')
    throw new Error(`MirrorPad mode '${attrs.mode}' is not supported by the torch backend (only 'reflect')`);
  const pairs = attrs.paddings as [number, number][];
  const firstPadded = pairs.findIndex(([before, after]) => before + after > 0);
  if (firstPadded < 0) return backend.alias(x!);
  // ATen reflects the last 1-3 axes of a [batch, channels, ...] tensor: fold the rest into those.
  const trailing = x!.shape.slice(firstPadded);
  if (trailing.length > 3)
    throw new Error('MirrorPad over more than 3 trailing axes is not supported by the torch backend');
  const leading = x!.shape.slice(0, firstPadded).reduce((product, size) => product * size, 1);
  const folded = backend.op('reshape', '', [backend.idOf(x!), [1, leading, ...trailing]]);
  const padding = pairs.slice(firstPadded).reverse().flat();
  const padded = backend.op('pad', '', [folded.id, padding, 'reflect', null]);
  const shape = x!.shape.map((size, axis) => size + pairs[axis]![0] + pairs[axis]![1]);
  return backend.output(backend.op('reshape', '', [padded.id, shape]), x!.dtype);
});

defineKernel(tf.Transpose, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('permute', '', [backend.idOf(x!), attrs.perm]), x!.dtype),
);

defineKernel(tf.Concat, ({ inputList, attrs, backend }) => {
  const axis = tf.util.parseAxisParam(attrs.axis, inputList[0]!.shape)[0]!;
  const nonEmpty = inputList.filter((input) => tf.util.sizeFromShape(input.shape) > 0);
  if (nonEmpty.length === 0) return backend.output(backend.op('cat', '', [[backend.idOf(inputList[0]!)], axis]));
  const dtype = inputList.map((input) => input.dtype).reduce((first, second) => tf.upcastType(first, second));
  return backend.output(backend.op('cat', '', [nonEmpty.map((input) => backend.idOf(input)), axis]), dtype);
});

defineKernel(tf.Pack, ({ inputList, attrs, backend }) =>
  backend.output(
    backend.op('stack', '', [inputList.map((input) => backend.idOf(input)), attrs.axis]),
    inputList[0]!.dtype,
  ),
);

defineKernel(tf.Unpack, ({ inputs: { value }, attrs, backend }) =>
  backend.opMany('unbind', 'int', [backend.idOf(value!), attrs.axis]).map((part) => backend.output(part, value!.dtype)),
);

defineKernel(tf.SplitV, ({ inputs: { x }, attrs, backend }) => {
  const axis = tf.util.parseAxisParam(attrs.axis, x!.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x!, attrs.numOrSizeSplits, axis);
  return backend
    .opMany('split_with_sizes', '', [backend.idOf(x!), sizes, axis])
    .map((part) => backend.output(part, x!.dtype));
});

defineKernel(tf.Slice, ({ inputs: { x }, attrs, backend }) => {
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  let result: NativeTensor = { id: backend.idOf(x!), dtype: 'float32', shape: x!.shape };
  for (let axis = 0; axis < x!.shape.length; axis++) {
    if (begin[axis] === 0 && size[axis] === x!.shape[axis]) continue;
    result = backend.op('slice', 'Tensor', [result.id, axis, begin[axis], begin[axis]! + size[axis]!, 1]);
  }
  if (result.id === backend.idOf(x!)) return backend.alias(x!);
  return backend.output(result, x!.dtype);
});

defineKernel(tf.StridedSlice, ({ inputs: { x }, attrs, backend }) => {
  const info = tf.slice_util.sliceInfo(
    x!.shape,
    attrs.begin,
    attrs.end,
    attrs.strides,
    attrs.beginMask,
    attrs.endMask,
    attrs.ellipsisMask,
    attrs.newAxisMask,
    attrs.shrinkAxisMask,
  );
  let result: NativeTensor = { id: backend.idOf(x!), dtype: 'float32', shape: x!.shape };
  for (let axis = 0; axis < x!.shape.length; axis++) {
    const start = info.begin[axis]!;
    const end = info.end[axis]!;
    const stride = info.strides[axis]!;
    if (stride > 0) {
      if (start === 0 && end >= x!.shape[axis]! && stride === 1) continue;
      result = backend.op('slice', 'Tensor', [result.id, axis, start, Math.max(start, end), stride]);
    } else {
      // A negative stride walks backwards: flip, then slice forwards from the mirrored start.
      const length = x!.shape[axis]!;
      result = backend.op('flip', '', [result.id, [axis]]);
      const mirroredStart = length - 1 - start;
      const mirroredEnd = length - 1 - end;
      result = backend.op('slice', 'Tensor', [
        result.id,
        axis,
        mirroredStart,
        Math.max(mirroredStart, mirroredEnd),
        -stride,
      ]);
    }
  }
  return backend.output(backend.op('reshape', '', [result.id, info.finalShape]), x!.dtype);
});

defineKernel(tf.PadV2, ({ inputs: { x }, attrs, backend }) => {
  // ATen lists padding from the last axis backwards: [lastBefore, lastAfter, ...].
  const padding = [...(attrs.paddings as [number, number][])].reverse().flat();
  return backend.output(
    backend.op('constant_pad_nd', '', [backend.idOf(x!), padding, attrs.constantValue ?? 0]),
    x!.dtype,
  );
});

defineKernel(tf.Tile, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('repeat', '', [backend.idOf(x!), attrs.reps]), x!.dtype),
);

defineKernel(tf.Reverse, ({ inputs: { x }, attrs, backend }) => {
  const axes = tf.util.parseAxisParam(attrs.dims, x!.shape);
  if (axes.length === 0) return backend.alias(x!);
  return backend.output(backend.op('flip', '', [backend.idOf(x!), axes]), x!.dtype);
});

defineKernel(tf.BroadcastTo, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('expand', '', [backend.idOf(x!), attrs.shape]), x!.dtype),
);

defineKernel(tf.Fill, ({ attrs, backend }) =>
  backend.output(
    backend.op('full', '', [attrs.shape, attrs.value, attrs.dtype ?? 'float32', null, backend.device]),
    attrs.dtype,
  ),
);

defineKernel(tf.ZerosLike, ({ inputs: { x }, backend }) =>
  backend.output(backend.op('zeros_like', '', [backend.idOf(x!)]), x!.dtype),
);
defineKernel(tf.OnesLike, ({ inputs: { x }, backend }) =>
  backend.output(backend.op('ones_like', '', [backend.idOf(x!)]), x!.dtype),
);

defineKernel(tf.Range, ({ attrs, backend }) => {
  const dtype = attrs.dtype ?? 'float32';
  return backend.output(
    backend.op('arange', 'start_step', [
      attrs.start,
      attrs.stop,
      attrs.step,
      dtype === 'int32' ? 'int32' : 'float32',
      null,
      backend.device,
    ]),
    dtype,
  );
});
