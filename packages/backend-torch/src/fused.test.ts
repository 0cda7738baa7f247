// Tessera's fused kernels on torch (src/kernels/fused.ts) against core's composed ops on tfjs's cpu
// backend, which registers no fused kernel: GELU, layer norm, linear, softmax cross-entropy (values
// and gradients), Adam/AdamW steps and global-norm clipping. Also: the fused kernels really run on
// torch, and a clipped AdamW training loop keeps tensor counts flat.
import {
  Adam,
  AdamW,
  clipGradientNorm,
  computeGradients,
  crossEntropy,
  Embedding,
  gelu,
  LayerNorm,
  Linear,
  tf,
} from '@tessera/core';
import { FusedKernelName } from '@tessera/core/backend';
import { MultiHeadSelfAttention } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import './index.js';
import { maxRelativeDifference, seededRandom, skipReason } from './test-support.js';

const TOLERANCE = 1e-5;

function randomValues(size: number, seed: number, scale = 2): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: size }, () => (random() * 2 - 1) * scale);
}

/** Runs `compute` on a backend; returns every output as a plain array and the kernels it ran. */
async function runOn(
  backendName: string,
  compute: () => tf.Tensor[],
): Promise<{ outputs: number[][]; kernelNames: string[] }> {
  await tf.setBackend(backendName);
  let outputs: number[][] = [];
  const profile = await tf.profile(() => {
    const tensors = tf.tidy(compute);
    outputs = tensors.map((tensor) => Array.from(tensor.dataSync()));
    tf.dispose(tensors);
  });
  return { outputs, kernelNames: profile.kernelNames };
}

async function expectSameOnTorchAsCpu(
  compute: () => tf.Tensor[],
  fusedKernels: string[],
  tolerance = TOLERANCE,
): Promise<void> {
  const cpu = await runOn('cpu', compute);
  const torch = await runOn('torch', compute);
  for (const name of fusedKernels) {
    expect(torch.kernelNames, `torch ran ${name}`).toContain(name);
    expect(cpu.kernelNames).not.toContain(name);
  }
  expect(torch.outputs.length).toBe(cpu.outputs.length);
  cpu.outputs.forEach((expected, index) => {
    expect(torch.outputs[index]!.length).toBe(expected.length);
    expect(maxRelativeDifference(torch.outputs[index]!, expected), `output ${index}`).toBeLessThan(tolerance);
  });
}

describe.skipIf(skipReason !== '')(`fused kernels on torch ${skipReason}`, () => {
  for (const approximation of ['exact', 'tanh'] as const) {
    it(`GELU (${approximation}): value and gradient equal the composed ops on cpu`, async () => {
      const values = randomValues(3 * 5 * 7, 1, 4);
      await expectSameOnTorchAsCpu(() => {
        const x = tf.tensor3d(values, [3, 5, 7]);
        const upstream = tf.tensor3d(randomValues(3 * 5 * 7, 2), [3, 5, 7]);
        const [gradient] = tf.grads((input: tf.Tensor) => tf.sum(tf.mul(gelu(input, approximation), upstream)))([x]);
        return [gelu(x, approximation), gradient!];
      }, [FusedKernelName.gelu, FusedKernelName.geluGrad]);
    });
  }

  for (const options of [{}, { bias: false }, { elementwiseAffine: false }, { epsilon: 1e-3 }]) {
    it(`LayerNorm ${JSON.stringify(options)}: value and gradients (input, weight, bias) equal the composed ops on cpu`, async () => {
      const values = randomValues(4 * 6 * 8, 3, 3);
      const weightValues = randomValues(8, 4);
      const biasValues = randomValues(8, 5);
      await expectSameOnTorchAsCpu(() => {
        const norm = new LayerNorm(8, options);
        norm.weight?.assign(tf.tensor1d(weightValues));
        norm.bias?.assign(tf.tensor1d(biasValues));
        const x = tf.tensor3d(values, [4, 6, 8]);
        const upstream = tf.tensor3d(randomValues(4 * 6 * 8, 6), [4, 6, 8]);
        const parameters = [x, ...norm.parameters()];
        const gradients = tf.grads((...inputs: tf.Tensor[]) => tf.sum(tf.mul(norm.forward(inputs[0]!), upstream)))(
          parameters,
        );
        const outputs = [norm.forward(x), ...gradients];
        norm.dispose();
        return outputs;
      }, [FusedKernelName.layerNorm, FusedKernelName.layerNormGrad]);
    });
  }

  for (const { bias, shape } of [
    { bias: true, shape: [3, 5, 6] },
    { bias: false, shape: [3, 5, 6] },
    { bias: true, shape: [7, 6] },
    { bias: true, shape: [2, 2, 3, 6] },
  ]) {
    it(`Linear (bias ${bias}, input ${JSON.stringify(shape)}): value and gradients (input, weight, bias) equal the composed ops on cpu`, async () => {
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      const values = randomValues(size, 12, 2);
      const weightValues = randomValues(6 * 4, 13);
      const biasValues = randomValues(4, 14);
      const upstreamValues = randomValues((size / 6) * 4, 15);
      await expectSameOnTorchAsCpu(() => {
        const linear = new Linear(6, 4, { bias });
        linear.weight.assign(tf.tensor2d(weightValues, [6, 4]));
        linear.bias?.assign(tf.tensor1d(biasValues));
        const x = tf.tensor(values, shape);
        const upstream = tf.tensor(upstreamValues, [...shape.slice(0, -1), 4]);
        const parameters = [x, ...linear.parameters()];
        const gradients = tf.grads((...inputs: tf.Tensor[]) => tf.sum(tf.mul(linear.forward(inputs[0]!), upstream)))(
          parameters,
        );
        const outputs = [linear.forward(x), ...gradients];
        linear.dispose();
        return outputs;
      }, [FusedKernelName.linear, FusedKernelName.linearGrad]);
    });
  }

  for (const { causal, padded } of [
    { causal: true, padded: false },
    { causal: false, padded: true },
    { causal: true, padded: true },
  ]) {
    it(`scaled dot-product attention (causal ${causal}, padding mask ${padded}): value and gradients equal the composed ops on cpu`, async () => {
      const [batch, time, embedding] = [2, 5, 8];
      const values = randomValues(batch * time * embedding, 16, 2);
      const upstreamValues = randomValues(batch * time * embedding, 17);
      const attention = new MultiHeadSelfAttention({ embeddingSize: embedding, headCount: 2, causal });
      const weights = attention.parameters().map((parameter, index) => ({
        parameter,
        values: randomValues(parameter.size, 18 + index),
      }));
      await expectSameOnTorchAsCpu(
        () => {
          for (const { parameter, values: initial } of weights)
            (parameter as tf.Variable).assign(tf.tensor(initial, parameter.shape));
          const x = tf.tensor3d(values, [batch, time, embedding]);
          const upstream = tf.tensor3d(upstreamValues, [batch, time, embedding]);
          // The second sequence's last two positions are padding.
          const attentionMask = padded
            ? tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [batch, time], 'int32')
            : undefined;
          const inputs = attentionMask === undefined ? {} : { attentionMask };
          const gradients = tf.grads((...parameters: tf.Tensor[]) =>
            tf.sum(tf.mul(attention.forward(parameters[0]!, inputs), upstream)),
          )([x, ...attention.parameters()]);
          return [attention.forward(x, inputs), ...gradients];
          // The softmax gradient sums in another order than tfjs's composed one: float32 rounding, ~4e-5.
        },
        [FusedKernelName.scaledDotProductAttention, FusedKernelName.scaledDotProductAttentionGrad],
        2e-4,
      );
      attention.dispose();
    });
  }

  it('attention asked for its weights, or with dropout in training, takes the composed ops', async () => {
    await tf.setBackend('torch');
    const attention = new MultiHeadSelfAttention({ embeddingSize: 8, headCount: 2, causal: true, dropout: 0.1 });
    const x = tf.tensor3d(randomValues(2 * 3 * 8, 19), [2, 3, 8]);
    const kernelsOf = async (run: () => tf.TensorContainer) =>
      (await tf.profile(() => tf.dispose(tf.tidy(run)))).kernelNames;
    const withWeights = await kernelsOf(() => attention.attend(x, {}, true).attentionWeights!);
    expect(withWeights).toContain('Softmax');
    expect(withWeights).not.toContain(FusedKernelName.scaledDotProductAttention);
    attention.train();
    expect(await kernelsOf(() => attention.forward(x))).not.toContain(FusedKernelName.scaledDotProductAttention);
    attention.eval();
    expect(await kernelsOf(() => attention.forward(x))).toContain(FusedKernelName.scaledDotProductAttention);
    x.dispose();
    attention.dispose();
  });

  it('Embedding: lookups of repeated ids (2-D ids) and the table gradient equal the composed ops on cpu', async () => {
    const table = randomValues(7 * 5, 21);
    const upstreamValues = randomValues(3 * 4 * 5, 22);
    await expectSameOnTorchAsCpu(() => {
      const embedding = new Embedding(7, 5);
      embedding.weight.assign(tf.tensor2d(table, [7, 5]));
      const ids = tf.tensor2d([0, 3, 3, 6, 1, 0, 0, 2, 6, 6, 6, 5], [3, 4], 'int32'); // repeats accumulate
      const upstream = tf.tensor3d(upstreamValues, [3, 4, 5]);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(embedding.forward(ids), upstream)) as tf.Scalar,
        [embedding.weight],
      );
      const outputs = [embedding.forward(ids), grads[embedding.weight.name]!];
      embedding.dispose();
      return outputs;
    }, [FusedKernelName.embedding, FusedKernelName.embeddingGrad]);
  });

  it('an Embedding with a padding index keeps the composed ops (its row must get no gradient)', async () => {
    await tf.setBackend('torch');
    const embedding = new Embedding(4, 3, { paddingIndex: 0 });
    const ids = tf.tensor1d([0, 1, 0, 2], 'int32');
    const { kernelNames } = await tf.profile(() => tf.dispose(embedding.forward(ids)));
    expect(kernelNames).not.toContain(FusedKernelName.embedding);
    tf.dispose(ids);
    embedding.dispose();
  });

  it('crossEntropy (mean, with ignored rows): loss and gradient equal the composed ops on cpu', async () => {
    const logitValues = randomValues(2 * 9 * 11, 7, 5);
    const targetValues = Int32Array.from({ length: 18 }, (_, index) => (index % 5 === 0 ? -100 : (index * 7) % 11));
    await expectSameOnTorchAsCpu(() => {
      const logits = tf.tensor3d(logitValues, [2, 9, 11]);
      const targets = tf.tensor2d(targetValues, [2, 9], 'int32');
      const { value, grads } = tf.valueAndGrads((input: tf.Tensor) => crossEntropy(input, targets) as tf.Scalar)([
        logits,
      ]);
      return [value, grads[0]!];
    }, [FusedKernelName.softmaxCrossEntropy, FusedKernelName.softmaxCrossEntropyGrad]);
  });

  it('crossEntropy with every target ignored is NaN, as PyTorch', async () => {
    await tf.setBackend('torch');
    const loss = tf.tidy(() => crossEntropy(tf.ones([3, 4]), tf.tensor1d([-100, -100, -100], 'int32')));
    expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
    loss.dispose();
  });

  it('crossEntropy options the fused kernel does not cover (label smoothing, class weights, sum) still match cpu', async () => {
    const logitValues = randomValues(6 * 4, 8);
    await expectSameOnTorchAsCpu(() => {
      const logits = tf.tensor2d(logitValues, [6, 4]);
      const targets = tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32');
      return [
        crossEntropy(logits, targets, { labelSmoothing: 0.1 }),
        crossEntropy(logits, targets, { classWeights: [1, 2, 0.5, 1] }),
        crossEntropy(logits, targets, { reduction: 'sum' }),
      ];
    }, []);
  });

  for (const [name, makeOptimizer] of [
    ['AdamW', (parameters: [string, tf.Variable][]) => new AdamW(parameters, { learningRate: 0.05, weightDecay: 0.1 })],
    ['AdamW without decay', (parameters: [string, tf.Variable][]) => new AdamW(parameters, { weightDecay: 0 })],
    [
      'Adam with L2',
      (parameters: [string, tf.Variable][]) => new Adam(parameters, { learningRate: 0.05, weightDecay: 0.01 }),
    ],
  ] as const) {
    it(`${name}: 4 clipped steps give the same weights and moments as the composed ops on cpu`, async () => {
      const inputValues = randomValues(5 * 6, 9);
      await expectSameOnTorchAsCpu(() => {
        const layer = new Linear(6, 3);
        layer.weight.assign(tf.tensor2d(randomValues(18, 10, 0.5), [6, 3]));
        layer.bias!.assign(tf.tensor1d(randomValues(3, 12, 0.5)));
        const optimizer = makeOptimizer(layer.namedParameters());
        const clip = clipGradientNorm(0.5);
        const inputs = tf.tensor2d(inputValues, [5, 6]);
        const targets = tf.tensor1d([0, 1, 2, 0, 1], 'int32');
        for (let step = 0; step < 4; step++) {
          tf.tidy(() => {
            const { gradients } = computeGradients(
              layer.namedParameters(),
              () => crossEntropy(layer.forward(inputs), targets, { labelSmoothing: 0.05 }) as tf.Scalar,
            );
            optimizer.step(clip.apply(gradients, { step }));
          });
        }
        const state = optimizer.stateDict().tensors;
        const outputs = [
          ...layer.parameters().map((parameter) => tf.clone(parameter)),
          ...Object.keys(state)
            .sort()
            .map((key) => tf.clone(state[key]!)),
        ];
        layer.dispose();
        optimizer.dispose();
        return outputs;
      }, [FusedKernelName.adamUpdate, FusedKernelName.clipByGlobalNorm]);
    });
  }

  it('clipGradientNorm scales by maxNorm / (norm + 1e-6) above the maximum and leaves smaller gradients alone', async () => {
    await tf.setBackend('torch');
    const [clipped, unclipped] = tf.tidy(() => {
      const gradients = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) }; // global norm 5
      return [clipGradientNorm(1).apply(gradients, { step: 0 }), clipGradientNorm(10).apply(gradients, { step: 0 })];
    });
    const scale = 1 / (5 + 1e-6);
    expect(Array.from(clipped!.a!.dataSync())).toEqual(
      [Math.fround(3 * scale), 0].map((value) => expect.closeTo(value, 7)),
    );
    expect(Array.from(clipped!.b!.dataSync())).toEqual(
      [0, Math.fround(4 * scale)].map((value) => expect.closeTo(value, 7)),
    );
    expect(Array.from(unclipped!.a!.dataSync())).toEqual([3, 0]);
    tf.dispose([...Object.values(clipped!), ...Object.values(unclipped!)]);
  });

  it('a clipped AdamW loop through every fused kernel keeps tfjs and native tensor counts flat', async () => {
    await tf.setBackend('torch');
    const expand = new Linear(8, 16);
    const norm = new LayerNorm(16);
    const parameters = [
      ...expand.namedParameters(),
      ...norm.namedParameters().map(([n, v]) => [`norm.${n}`, v] as [string, tf.Variable]),
    ];
    const optimizer = new AdamW(parameters, { learningRate: 1e-3 });
    const clip = clipGradientNorm(1);
    const inputs = tf.tensor2d(randomValues(4 * 8, 11), [4, 8]);
    const targets = tf.tensor1d([0, 3, 5, 15], 'int32');
    const counts: number[] = [];
    for (let step = 0; step < 20; step++) {
      tf.tidy(() => {
        const { gradients } = computeGradients(
          parameters,
          () => crossEntropy(norm.forward(gelu(expand.forward(inputs))), targets) as tf.Scalar,
        );
        optimizer.step(clip.apply(gradients, { step }));
      });
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([inputs, targets]);
    expand.dispose();
    norm.dispose();
    optimizer.dispose();
  });
});
