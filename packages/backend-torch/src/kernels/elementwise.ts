// Elementwise tfjs kernels: one ATen operator each, broadcasting as tfjs does (same rules).
import * as tf from '@tensorflow/tfjs-core';
import { defineKernel } from './define-kernel.js';

/** tfjs unary kernel -> ATen operator taking only `self`. */
const unaryOperators: Record<string, string> = {
  Abs: 'abs',
  Acos: 'acos',
  Acosh: 'acosh',
  Asin: 'asin',
  Asinh: 'asinh',
  Atan: 'atan',
  Atanh: 'atanh',
  Ceil: 'ceil',
  Cos: 'cos',
  Cosh: 'cosh',
  Elu: 'elu',
  Erf: 'erf',
  Exp: 'exp',
  Expm1: 'expm1',
  Floor: 'floor',
  IsFinite: 'isfinite',
  IsInf: 'isinf',
  IsNan: 'isnan',
  Log: 'log',
  Log1p: 'log1p',
  LogicalNot: 'logical_not',
  Neg: 'neg',
  Reciprocal: 'reciprocal',
  Relu: 'relu',
  Round: 'round', // both round half to even
  Rsqrt: 'rsqrt',
  Selu: 'selu',
  Sigmoid: 'sigmoid',
  Sign: 'sign',
  Sin: 'sin',
  Sinh: 'sinh',
  Softplus: 'softplus',
  Sqrt: 'sqrt',
  Square: 'square',
  Tan: 'tan',
  Tanh: 'tanh',
};

for (const [kernelName, operator] of Object.entries(unaryOperators)) {
  defineKernel(kernelName, ({ inputList: [x], backend }) =>
    backend.output(backend.op(operator, '', [backend.idOf(x!)])),
  );
}

// Float-valued maths on int32 input gives float32 in tfjs as in ATen; keep the dtype tfjs expects
// for ops that preserve it.
defineKernel(tf.Relu6, ({ inputs: { x }, backend }) =>
  backend.output(backend.op('hardtanh', '', [backend.idOf(x!), 0, 6]), x!.dtype),
);
defineKernel(tf.LeakyRelu, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('leaky_relu', '', [backend.idOf(x!), attrs.alpha])),
);
defineKernel(tf.Prelu, ({ inputs: { x, alpha }, backend }) => {
  const negative = backend.op('mul', 'Tensor', [backend.idOf(x!), backend.idOf(alpha!)]);
  const positive = backend.op('gt', 'Scalar', [backend.idOf(x!), 0]);
  return backend.output(backend.op('where', 'self', [positive.id, backend.idOf(x!), negative.id]));
});
// tfjs Step: 1 where x > 0, alpha elsewhere, NaN stays NaN (the relu gradient uses it). As
// ceil(clamp(x, 0, 1)) -> {0, 1, NaN}, then threshold turns the zeros into alpha: three cheap
// vectorised passes (comparison + where + isnan costs ~20x more in ATen's CPU kernels).
defineKernel(tf.Step, ({ inputs: { x }, attrs, backend }) => {
  let stepped = backend.op('clamp', '', [backend.idOf(x!), 0, 1]);
  backend.op('ceil_', '', [stepped.id]); // in place: the clamped tensor is this kernel's own
  const alpha: number = attrs.alpha ?? 0;
  if (alpha !== 0) stepped = backend.op('threshold', '', [stepped.id, 0, alpha]);
  return backend.output(stepped, x!.dtype);
});
defineKernel(tf.EluGrad, ({ inputs: { dy, y }, backend }) => {
  // d elu = dy where y > 0, else dy * (y + 1)
  const positive = backend.op('gt', 'Scalar', [backend.idOf(y!), 0]);
  const yPlusOne = backend.op('add', 'Scalar', [backend.idOf(y!), 1]);
  const negative = backend.op('mul', 'Tensor', [backend.idOf(dy!), yPlusOne.id]);
  return backend.output(backend.op('where', 'self', [positive.id, backend.idOf(dy!), negative.id]));
});
defineKernel(tf.ClipByValue, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('clamp', '', [backend.idOf(x!), attrs.clipValueMin, attrs.clipValueMax]), x!.dtype),
);

/** tfjs binary kernel -> ATen `<operator>.Tensor` (broadcasting, type promotion as in tfjs). */
const binaryOperators: Record<string, [string, string, tf.DataType | undefined]> = {
  Add: ['add', 'Tensor', undefined],
  Sub: ['sub', 'Tensor', undefined],
  Multiply: ['mul', 'Tensor', undefined],
  RealDiv: ['div', 'Tensor', 'float32'],
  Maximum: ['maximum', '', undefined],
  Minimum: ['minimum', '', undefined],
  Pow: ['pow', 'Tensor_Tensor', undefined],
  Mod: ['remainder', 'Tensor', undefined], // floor modulo: the sign follows the divisor in both
  Atan2: ['atan2', '', undefined],
  Equal: ['eq', 'Tensor', 'bool'],
  NotEqual: ['ne', 'Tensor', 'bool'],
  Less: ['lt', 'Tensor', 'bool'],
  LessEqual: ['le', 'Tensor', 'bool'],
  Greater: ['gt', 'Tensor', 'bool'],
  GreaterEqual: ['ge', 'Tensor', 'bool'],
  LogicalAnd: ['logical_and', '', 'bool'],
  LogicalOr: ['logical_or', '', 'bool'],
  LogicalXor: ['logical_xor', '', 'bool'],
};

for (const [kernelName, [operator, overload, dtype]] of Object.entries(binaryOperators)) {
  defineKernel(kernelName, ({ inputs: { a, b }, backend }) =>
    backend.output(backend.op(operator, overload, [backend.idOf(a!), backend.idOf(b!)]), dtype),
  );
}

defineKernel(tf.FloorDiv, ({ inputs: { a, b }, backend }) =>
  backend.output(backend.op('div', 'Tensor_mode', [backend.idOf(a!), backend.idOf(b!), 'floor'])),
);
defineKernel(tf.SquaredDifference, ({ inputs: { a, b }, backend }) => {
  const difference = backend.op('sub', 'Tensor', [backend.idOf(a!), backend.idOf(b!)]);
  return backend.output(backend.op('square', '', [difference.id]));
});
defineKernel(tf.AddN, ({ inputList, backend }) => {
  let sum = backend.op('add', 'Tensor', [
    backend.idOf(inputList[0]!),
    backend.idOf(inputList[1] ?? inputList[0]!),
    inputList.length === 1 ? 0 : 1,
  ]);
  for (const input of inputList.slice(2)) sum = backend.op('add', 'Tensor', [sum.id, backend.idOf(input)]);
  return backend.output(sum);
});

defineKernel(tf.Cast, ({ inputs: { x }, attrs, backend }) => {
  if (attrs.dtype === x!.dtype) return backend.alias(x!);
  if (attrs.dtype === 'string' || attrs.dtype === 'complex64')
    throw new Error(`the torch backend cannot cast to ${attrs.dtype}`);
  return backend.output(backend.op('_to_copy', '', [backend.idOf(x!), attrs.dtype]), attrs.dtype);
});

// tfjs Select: `condition` may be rank 1 when t/e are higher rank, choosing whole rows.
defineKernel(tf.Select, ({ inputs: { condition, t, e }, backend }) => {
  let conditionId = backend.idOf(condition!);
  if (condition!.shape.length === 1 && t!.shape.length > 1) {
    const rowShape = [condition!.shape[0]!, ...t!.shape.slice(1).map(() => 1)];
    conditionId = backend.op('reshape', '', [conditionId, rowShape]).id;
  }
  const conditionBool = condition!.dtype === 'bool' ? conditionId : backend.op('ne', 'Scalar', [conditionId, 0]).id;
  return backend.output(backend.op('where', 'self', [conditionBool, backend.idOf(t!), backend.idOf(e!)]), t!.dtype);
});
