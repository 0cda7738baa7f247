// Tessera's fused kernels (names and contracts in @tessera/spec's fused-kernels.ts),
// mapped to ATen's own fused operators: one native call where core would otherwise run a dozen
// small tfjs kernels, each paying tfjs's per-kernel overhead and a pass over memory.
import type * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName } from '@tessera/spec';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { defineKernel } from './define-kernel.js';
import { asFloat32, intermediateOperand, productOperand } from './mixed-precision.js';

// GELU: aten::gelu takes approximate 'none' (erf) or 'tanh', the names core passes.
defineKernel(FusedKernelName.gelu, ({ inputs: { x }, attrs, backend }) =>
  backend.output(backend.op('gelu', '', [backend.idOf(x!), attrs.approximate])),
);

defineKernel(FusedKernelName.geluGrad, ({ inputs: { dy, x }, attrs, backend }) =>
  backend.output(backend.op('gelu_backward', '', [backend.idOf(dy!), backend.idOf(x!), attrs.approximate])),
);

// Layer norm over the last axis: native_layer_norm returns the output, the mean and 1/σ
// ([..., 1] each), which the backward operator takes back.
defineKernel(FusedKernelName.layerNorm, ({ inputs: { x, weight, bias }, attrs, backend }) => {
  const normalizedShape = [x!.shape[x!.shape.length - 1]!];
  const [y, mean, reciprocalStandardDeviation] = backend.opMany('native_layer_norm', '', [
    backend.idOf(x!),
    normalizedShape,
    weight === undefined ? null : backend.idOf(weight),
    bias === undefined ? null : backend.idOf(bias),
    attrs.epsilon,
  ]);
  return [backend.output(y!), backend.output(mean!), backend.output(reciprocalStandardDeviation!)];
});

defineKernel(
  FusedKernelName.layerNormGrad,
  ({ inputs: { dy, x, mean, reciprocalStandardDeviation, weight, bias }, backend }) => {
    const normalizedShape = [x!.shape[x!.shape.length - 1]!];
    const [dx, dweight, dbias] = backend.opMany('native_layer_norm_backward', '', [
      backend.idOf(dy!),
      backend.idOf(x!),
      normalizedShape,
      backend.idOf(mean!),
      backend.idOf(reciprocalStandardDeviation!),
      weight === undefined ? null : backend.idOf(weight),
      bias === undefined ? null : backend.idOf(bias),
      [true, weight !== undefined, bias !== undefined],
    ]);
    const outputs = [backend.output(dx!)];
    if (weight !== undefined) outputs.push(backend.output(dweight!));
    if (bias !== undefined) outputs.push(backend.output(dbias!));
    return outputs;
  },
);

// Embedding: aten::embedding is index_select on the rows; its dense backward sums the upstream
// gradient of every lookup into the looked-up row (no padding row: core keeps those composed).
defineKernel(FusedKernelName.embedding, ({ inputs: { weight, ids }, backend }) =>
  backend.output(backend.op('embedding', '', [backend.idOf(weight!), backend.idOf(ids!)])),
);

defineKernel(FusedKernelName.embeddingGrad, ({ inputs: { dy, ids }, attrs, backend }) =>
  backend.output(
    backend.op('embedding_dense_backward', '', [backend.idOf(dy!), backend.idOf(ids!), attrs.count, -1, false]),
  ),
);

// Linear over the last axis: the leading axes fold into rows (a view), so forward is one addmm
// (or mm) and backward two mm and a row sum, as PyTorch's own linear and its autograd formulas.
// Under bf16-mixed the products read bfloat16 copies of x, the weight (and the bias, as autocast's
// addmm does), and dy; `output` returns their results as float32. The bias gradient sums the
// float32 dy (a reduction: float32 by autocast's rules).
const rowsOf = (backend: TorchBackend, id: number, columns: number) =>
  backend.op('reshape', '', [id, [-1, columns]]).id; // [rows, columns]

defineKernel(FusedKernelName.linear, ({ inputs: { x, weight, bias }, backend }) => {
  const [inFeatures, outFeatures] = weight!.shape as [number, number];
  const rows = rowsOf(backend, productOperand(backend, x!), inFeatures);
  const weightId = productOperand(backend, weight!);
  const product =
    bias === undefined
      ? backend.op('mm', '', [rows, weightId])
      : backend.op('addmm', '', [productOperand(backend, bias), rows, weightId]); // [rows, out]
  return backend.output(backend.op('reshape', '', [product.id, [...x!.shape.slice(0, -1), outFeatures]]));
});

defineKernel(FusedKernelName.linearGrad, ({ inputs: { dy, x, weight, bias }, backend }) => {
  const [inFeatures, outFeatures] = weight!.shape as [number, number];
  const dyRows = rowsOf(backend, productOperand(backend, dy!), outFeatures); // [rows, out]
  const xRows = rowsOf(backend, productOperand(backend, x!), inFeatures); // [rows, in]
  const weightTransposed = backend.op('t', '', [productOperand(backend, weight!)]).id; // [out, in], a view
  const dxRows = backend.op('mm', '', [dyRows, weightTransposed]); // [rows, in]
  const dweight = backend.op('mm', '', [backend.op('t', '', [xRows]).id, dyRows]); // [in, out]
  const outputs = [backend.output(backend.op('reshape', '', [dxRows.id, x!.shape])), backend.output(dweight)];
  if (bias !== undefined) {
    const dyFloat32Rows = rowsOf(backend, backend.idOf(dy!), outFeatures);
    outputs.push(backend.output(backend.op('sum', 'dim_IntList', [dyFloat32Rows, [0], false])));
  }
  return outputs;
});

// Scaled dot-product attention: the scores are made, scaled and masked in one buffer (in place,
// as a fresh tensor nothing else references), softmaxed, and applied to the values; backward is
// the softmax's own backward operator between four products. Under bf16-mixed the four (backward)
// and two (forward) products read bfloat16 operands; the scores are scaled, masked and softmaxed
// in float32 and the weights tfjs keeps are float32, their bfloat16 copy kept beside them for the
// gradient's products.
defineKernel(FusedKernelName.scaledDotProductAttention, ({ inputs: { query, key, value, mask }, attrs, backend }) => {
  const keyTransposed = backend.op('transpose', 'int', [productOperand(backend, key!), -2, -1]).id; // a view
  const product = backend.op('matmul', '', [productOperand(backend, query!), keyTransposed]);
  const scores = asFloat32(backend, product); // [batch, heads, time, keys]
  backend.op('mul_', 'Scalar', [scores.id, attrs.scale]);
  if (mask !== undefined) backend.op('add_', 'Tensor', [scores.id, backend.idOf(mask)]);
  const weights = backend.op('_softmax', '', [scores.id, -1, false]);
  const weightsOperand = intermediateOperand(backend, weights);
  const output = backend.op('matmul', '', [weightsOperand.id, productOperand(backend, value!)]); // [batch, heads, time, size]
  const weightsInfo = backend.output(weights);
  if (weightsOperand !== weights) backend.keepBfloat16Copy(weightsInfo, weightsOperand);
  return [backend.output(output), weightsInfo];
});

defineKernel(
  FusedKernelName.scaledDotProductAttentionGrad,
  ({ inputs: { dy, query, key, value, weights }, attrs, backend }) => {
    const transposed = (id: number) => backend.op('transpose', 'int', [id, -2, -1]).id;
    const dyId = productOperand(backend, dy!);
    const dvalue = backend.op('matmul', '', [transposed(productOperand(backend, weights!)), dyId]); // [batch, heads, keys, size]
    const dweights = asFloat32(backend, backend.op('matmul', '', [dyId, transposed(productOperand(backend, value!))])); // [batch, heads, time, keys]
    const weightsId = backend.idOf(weights!);
    const dscores = backend.op('_softmax_backward_data', '', [dweights.id, weightsId, -1, 'float32']);
    backend.op('mul_', 'Scalar', [dscores.id, attrs.scale]);
    const dscoresOperand = intermediateOperand(backend, dscores).id;
    const dquery = backend.op('matmul', '', [dscoresOperand, productOperand(backend, key!)]); // [batch, heads, time, size]
    const dkey = backend.op('matmul', '', [transposed(dscoresOperand), productOperand(backend, query!)]); // [batch, heads, keys, size]
    return [backend.output(dquery), backend.output(dkey), backend.output(dvalue)];
  },
);

const MEAN_REDUCTION = 1; // at::Reduction::Mean

/** int32 class indices as the int64 tensor nll_loss requires. */
function longTargets(backend: TorchBackend, targets: tf.TensorInfo): NativeTensor {
  return backend.op('_to_copy', '', [backend.idOf(targets), 'int64']);
}

// Mean softmax cross-entropy: log_softmax then nll_loss (F.cross_entropy's own decomposition);
// total_weight, the count of rows not ignored, is what the mean divided by.
defineKernel(FusedKernelName.softmaxCrossEntropy, ({ inputs: { logits, targets }, attrs, backend }) => {
  const logProbabilities = backend.op('_log_softmax', '', [backend.idOf(logits!), 1, false]); // [rows, C]
  const [loss, keptCount] = backend.opMany('nll_loss_forward', '', [
    logProbabilities.id,
    longTargets(backend, targets!).id,
    null,
    MEAN_REDUCTION,
    attrs.ignoreIndex,
  ]);
  return [backend.output(loss!), backend.output(logProbabilities), backend.output(keptCount!)];
});

defineKernel(
  FusedKernelName.softmaxCrossEntropyGrad,
  ({ inputs: { dy, logProbabilities, targets, keptCount }, attrs, backend }) => {
    const gradientOfLogProbabilities = backend.op('nll_loss_backward', '', [
      backend.idOf(dy!),
      backend.idOf(logProbabilities!),
      longTargets(backend, targets!).id,
      null,
      MEAN_REDUCTION,
      attrs.ignoreIndex,
      backend.idOf(keptCount!),
    ]); // [rows, C]
    return backend.output(
      backend.op('_log_softmax_backward_data', '', [
        gradientOfLogProbabilities.id,
        backend.idOf(logProbabilities!),
        1,
        'float32',
      ]),
    );
  },
);

// One Adam/AdamW step for one parameter, torch.optim.AdamW's arithmetic. Each output starts as a
// fresh tensor (tfjs tensors are immutable: nothing tfjs references is written) and is then
// updated in place, as torch.optim does, saving an allocation and a pass per intermediate.
defineKernel(
  FusedKernelName.adamUpdate,
  ({ inputs: { parameter, gradient, firstMoment, secondMoment }, attrs, backend }) => {
    const { learningRate, beta1, beta2, epsilon, step, decayFactor } = attrs as Record<string, number>;
    const g = backend.idOf(gradient!);
    const m = backend.op('mul', 'Scalar', [backend.idOf(firstMoment!), beta1]);
    backend.op('add_', 'Tensor', [m.id, g, 1 - beta1!]); // β1·m + (1 − β1)·g
    const v = backend.op('mul', 'Scalar', [backend.idOf(secondMoment!), beta2]);
    backend.op('addcmul_', '', [v.id, g, g, 1 - beta2!]); // β2·v + (1 − β2)·g²
    const biasCorrection1 = 1 - beta1! ** step!;
    const biasCorrection2 = 1 - beta2! ** step!;
    const denominator = backend.op('sqrt', '', [v.id]);
    backend.op('div_', 'Scalar', [denominator.id, Math.sqrt(biasCorrection2)]);
    backend.op('add_', 'Scalar', [denominator.id, epsilon]); // √v/√bc2 + ε
    const stepSize = -learningRate! / biasCorrection1;
    let updated: NativeTensor;
    if (decayFactor === 1) {
      updated = backend.op('addcdiv', '', [backend.idOf(parameter!), m.id, denominator.id, stepSize]);
    } else {
      updated = backend.op('mul', 'Scalar', [backend.idOf(parameter!), decayFactor]); // p·(1 − lr·λ)
      backend.op('addcdiv_', '', [updated.id, m.id, denominator.id, stepSize]);
    }
    return [backend.output(updated), backend.output(m), backend.output(v)];
  },
);

// Global-norm clipping (torch.nn.utils.clip_grad_norm_): every gradient times
// min(1, maxNorm / (norm + 1e-6)), and the norm as the last output.
defineKernel(FusedKernelName.clipByGlobalNorm, ({ inputList, attrs, backend }) => {
  const norms = inputList.map((gradient) => backend.op('linalg_vector_norm', '', [backend.idOf(gradient), 2]).id);
  const norm: NativeTensor = backend.op('linalg_vector_norm', '', [backend.op('stack', '', [norms, 0]).id, 2]);
  const scale = backend.op('clamp_max', '', [
    backend.op('mul', 'Scalar', [
      backend.op('reciprocal', '', [backend.op('add', 'Scalar', [norm.id, 1e-6]).id]).id,
      attrs.maxNorm,
    ]).id,
    1,
  ]);
  return [
    ...inputList.map((gradient) => backend.output(backend.op('mul', 'Tensor', [backend.idOf(gradient), scale.id]))),
    backend.output(norm),
  ];
});
