import {
  AdamW,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  initBackend,
  Linear,
  Sequential,
  tf,
} from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MultiHeadSelfAttention } from '../attention/multi-head-attention.js';
import { GPT } from '../models/gpt/gpt.js';
import { gptConfig } from '../models/gpt/gpt-config.js';
import { applyLoRA, loraModules, mergeLoRA, unloadLoRA, unmergeLoRA } from './apply-lora.js';
import { LoRALinear } from './lora-linear.js';
import { loadLoRAStateDict, loraStateDict } from './lora-state-dict.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  ids = tf.tensor2d(
    [
      [1, 2, 3, 4, 5, 6, 7, 8],
      [3, 1, 4, 1, 5, 9, 2, 6],
    ],
    undefined,
    'int32',
  );
});

const tiny = gptConfig('nanogpt-baby', {
  vocabularySize: 11,
  blockSize: 8,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 32,
  bias: true,
});
// Created once the backend is ready (a module-level tensor would be made before initBackend).
let ids: tf.Tensor2D;
const qkvPaths = ['blocks.0.attention.queryKeyValue', 'blocks.1.attention.queryKeyValue'];

function values(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

function maxDifference(left: tf.Tensor, right: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(left, right))).dataSync()[0] as number);
}

/** Copies of every parameter's values by name (the variables themselves change under training). */
function snapshot(model: GPT): Map<string, number[]> {
  return new Map(model.namedParameters().map(([name, variable]) => [name, values(variable)]));
}

/** A GPT with LoRA on its queryKeyValue layers and B set non-zero, as after some training. */
function adaptedModel(seed: number): GPT {
  const model = new GPT(tiny, { random: createRandomGenerator(seed) });
  applyLoRA(model, { rank: 4, alpha: 8, seed: seed + 1 });
  for (const [index, [, layer]] of loraModules(model).entries()) {
    layer.lora.b.assign(tf.randomNormal(layer.lora.b.shape, 0, 0.5, 'float32', seed + index));
  }
  return model.eval();
}

describe('applyLoRA on GPT', () => {
  it('wraps the fused queryKeyValue by default with readable names; logits are unchanged while B = 0', () => {
    const original = new GPT(tiny, { random: createRandomGenerator(1) });
    const model = new GPT(tiny, { random: createRandomGenerator(1) });
    expect(applyLoRA(model, { rank: 4, alpha: 8, seed: 2 })).toEqual(qkvPaths);
    expect(model.blocks.at(0)?.attention.queryKeyValue).toBeInstanceOf(LoRALinear);
    const names = model.namedParameters().map(([name]) => name);
    for (const suffix of ['base.weight', 'base.bias', 'lora.a', 'lora.b']) {
      expect(names).toContain(`blocks.0.attention.queryKeyValue.${suffix}`);
    }
    expect(names).not.toContain('blocks.0.attention.queryKeyValue.weight');
    expect(model.trainableParameters().map(([name]) => name)).toEqual(
      qkvPaths.flatMap((path) => [`${path}.lora.a`, `${path}.lora.b`]),
    );
    // B = 0 makes the update exactly zero, so the logits are the original's bit for bit.
    expect(values(model.forward(ids))).toEqual(values(original.forward(ids)));
  });

  it('trains only rank·(in + out) per adapted layer: about 2% of a nanogpt-baby', () => {
    const model = new GPT(gptConfig('nanogpt-baby', { vocabularySize: 65 }), { random: createRandomGenerator(3) });
    const total = model.parameterCount();
    const wrapped = applyLoRA(model, { rank: 8, alpha: 16, seed: 4 });
    expect(wrapped).toHaveLength(4);
    // queryKeyValue is [128, 384]; A is [128, 8] and B [8, 384] in each of the 4 blocks.
    const expected = 4 * 8 * (128 + 384);
    expect(model.parameterCount({ trainableOnly: true })).toBe(expected);
    expect(model.parameterCount()).toBe(total + expected);
    expect(expected / model.parameterCount()).toBeLessThan(0.05);
    model.dispose();
  });

  it('AdamW steps change only the adapters and reduce the loss; memory stays flat', () => {
    const model = new GPT(tiny, { random: createRandomGenerator(5) });
    applyLoRA(model, { rank: 4, alpha: 8, seed: 6 });
    const before = snapshot(model);
    const optimizer = new AdamW(model.trainableParameters(), { learningRate: 2e-2 });
    const targets = tf.tensor2d(
      [
        [2, 3, 4, 5, 6, 7, 8, 9],
        [1, 4, 1, 5, 9, 2, 6, 5],
      ],
      undefined,
      'int32',
    );
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 25; step++) {
      const loss = tf.tidy(() => {
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(ids), targets) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss;
      });
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
      counts.push(tf.memory().numTensors);
    }
    // Only the attention projections learn, through a random frozen base: the loss falls steadily
    // but slowly (2.50 → 2.09 here), so the bound asks for a clear fall, not a fitted sequence.
    expect(losses.at(-1)).toBeLessThan(0.9 * (losses[0] as number));
    // The optimizer creates its moment slots on the first step; from then on the count is fixed.
    expect(new Set(counts.slice(1)).size).toBe(1);
    for (const [name, variable] of model.namedParameters()) {
      if (/\.lora\.[ab]$/.test(name)) expect(values(variable), name).not.toEqual(before.get(name));
      else expect(values(variable), name).toEqual(before.get(name));
    }
    targets.dispose();
    model.dispose();
  });

  it('merged logits equal unmerged ones within 1e-5; unmerge restores the base weights within 1e-6', () => {
    const model = adaptedModel(7);
    const before = snapshot(model);
    const unmerged = model.forward(ids);
    expect(mergeLoRA(model)).toEqual(qkvPaths);
    expect(mergeLoRA(model)).toEqual([]); // already merged: nothing added twice
    expect(values(model.blocks.at(0)?.attention.queryKeyValue.weight as tf.Tensor)).not.toEqual(
      before.get('blocks.0.attention.queryKeyValue.base.weight'),
    );
    expect(maxDifference(model.forward(ids), unmerged)).toBeLessThan(1e-5);
    // Merged adapters are out of the computation, so training now fails loudly rather than doing nothing.
    expect(() => computeGradients(model.trainableParameters(), () => tf.sum(model.forward(ids)) as tf.Scalar)).toThrow(
      /E_GRADIENTS_NONE/,
    );
    expect(unmergeLoRA(model)).toEqual(qkvPaths);
    for (const [name, variable] of model.namedParameters()) {
      const original = before.get(name) as number[];
      const largest = Math.max(
        ...values(variable).map((value, index) => Math.abs(value - (original[index] as number))),
      );
      expect(largest, name).toBeLessThan(1e-6);
    }
    expect(model.trainableParameters()).toHaveLength(4);
    expect(maxDifference(model.forward(ids), unmerged)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('loraStateDict holds only the adapters, and loading it into a fresh wrap reproduces the logits', () => {
    const trained = adaptedModel(9);
    const state = loraStateDict(trained);
    expect(Object.keys(state)).toEqual(qkvPaths.flatMap((path) => [`${path}.lora.a`, `${path}.lora.b`]));
    expect(Object.values(state).reduce((total, tensor) => total + tensor.size, 0)).toBe(2 * 4 * (32 + 96));

    const restored = new GPT(tiny, { random: createRandomGenerator(9) }).eval(); // same base, other adapters
    applyLoRA(restored, { rank: 4, alpha: 8, seed: 99 });
    expect(maxDifference(restored.forward(ids), trained.forward(ids))).toBeGreaterThan(1e-3);
    loadLoRAStateDict(restored, state);
    expect(values(restored.forward(ids))).toEqual(values(trained.forward(ids)));

    const { [`${qkvPaths[0]}.lora.b`]: _dropped, ...partial } = state;
    expect(() => loadLoRAStateDict(restored, partial)).toThrow(
      /E_LORA_STATE: .*missing: blocks\.0\.attention\.queryKeyValue\.lora\.b/,
    );
    const wrongRank = new GPT(tiny, { random: createRandomGenerator(9) });
    applyLoRA(wrongRank, { rank: 2, alpha: 8 });
    expect(() => loadLoRAStateDict(wrongRank, state)).toThrow(/E_LORA_STATE: .*shape mismatch/);
    mergeLoRA(restored);
    expect(() => loadLoRAStateDict(restored, state)).toThrow(/E_LORA_MERGED/);
    for (const model of [trained, restored, wrongRank]) model.dispose();
  });

  it('unloadLoRA puts the base Linears back under their original names, merged or restored', () => {
    const reference = new GPT(tiny, { random: createRandomGenerator(11) }).eval();
    const originalNames = Object.keys(reference.stateDict());
    const merged = adaptedModel(11);
    const adaptedLogits = merged.forward(ids);
    expect(unloadLoRA(merged)).toEqual(qkvPaths);
    expect(merged.blocks.at(0)?.attention.queryKeyValue).toBeInstanceOf(Linear);
    expect(Object.keys(merged.stateDict())).toEqual(originalNames);
    expect(maxDifference(merged.forward(ids), adaptedLogits)).toBeLessThan(1e-5);

    const discarded = adaptedModel(11);
    expect(unloadLoRA(discarded, { merge: false })).toEqual(qkvPaths);
    expect(maxDifference(discarded.forward(ids), reference.forward(ids))).toBeLessThan(1e-6);
    for (const model of [reference, merged, discarded]) model.dispose();
  });

  it('globs cover everything below a path; targets are matched in tree order; a bare attention works too', () => {
    const model = new GPT(tiny, { random: createRandomGenerator(13) });
    expect(applyLoRA(model, { rank: 2, alpha: 2, targets: ['blocks.1.feedForward.*', 'blocks.*.attention'] })).toEqual([
      'blocks.0.attention.queryKeyValue',
      'blocks.0.attention.output',
      'blocks.1.attention.queryKeyValue',
      'blocks.1.attention.output',
      'blocks.1.feedForward.expand',
      'blocks.1.feedForward.contract',
    ]);
    // A second call adapts layers not yet wrapped and keeps every adapter trainable.
    expect(applyLoRA(model, { rank: 2, alpha: 2, targets: [/^blocks\.0\.feedForward\.expand$/g] })).toEqual([
      'blocks.0.feedForward.expand',
    ]);
    expect(model.trainableParameters()).toHaveLength(14);
    model.dispose();

    const attention = new MultiHeadSelfAttention({ embeddingSize: 8, headCount: 2, causal: true });
    expect(applyLoRA(attention, { rank: 2, alpha: 2 })).toEqual(['queryKeyValue']);
    attention.dispose();
  });

  it('inside a Sequential, forward goes through the adapter (the container’s list follows the swap)', () => {
    const first = new Linear(4, 8, { random: createRandomGenerator(14) });
    const model = new Sequential(first, new Linear(8, 2, { random: createRandomGenerator(15) }));
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 16);
    const baseOutput = model.forward(x);
    expect(applyLoRA(model, { rank: 2, alpha: 2, targets: ['0'] })).toEqual(['0']);
    const [[, layer]] = loraModules(model) as [[string, LoRALinear]];
    expect(layer.base).toBe(first);
    expect(values(model.forward(x))).toEqual(values(baseOutput));
    layer.lora.b.assign(tf.ones([2, 8]));
    expect(maxDifference(model.forward(x), baseOutput)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('refuses bad options and targets that match no Linear with TesseraErrors, leaving the model as it was', () => {
    const model = new GPT(tiny, { random: createRandomGenerator(17) });
    const names = model.namedParameters().map(([name]) => name);
    expect(() => applyLoRA(model, { rank: 0, alpha: 8 })).toThrow(
      /E_LORA_CONFIG: rank must be a positive integer, got 0/,
    );
    expect(() => applyLoRA(model, { rank: -4, alpha: 8 })).toThrow(/E_LORA_CONFIG/);
    expect(() => applyLoRA(model, { rank: 4, alpha: 8, seed: 0.5 })).toThrow(/E_LORA_CONFIG: seed/);
    expect(() => applyLoRA(model, { rank: 4, alpha: 8, targets: [] })).toThrow(/E_LORA_TARGETS: targets is empty/);
    expect(() => applyLoRA(model, { rank: 4, alpha: 8, targets: ['**.queryKeyValue', '**.querykeyvalue'] })).toThrow(
      /E_LORA_TARGETS: target \*\*\.querykeyvalue matches no Linear layer of GPT; Linear layers: blocks\.0\.attention\.queryKeyValue, /,
    );
    expect(() => applyLoRA(model, { rank: 4, alpha: 8, targets: ['finalNorm'] })).toThrow(/E_LORA_TARGETS/);
    expect(model.namedParameters().map(([name]) => name)).toEqual(names);
    expect(model.trainableParameters()).toHaveLength(names.length);
    for (const helper of [mergeLoRA, unmergeLoRA, unloadLoRA, loraStateDict]) {
      expect(() => helper(model)).toThrow(/E_LORA_NONE/);
    }
    applyLoRA(model, { rank: 4, alpha: 8 });
    expect(() => applyLoRA(model, { rank: 4, alpha: 8 })).toThrow(
      /E_LORA_TARGETS: .*already wrapped: blocks\.0\.attention\.queryKeyValue, blocks\.1\.attention\.queryKeyValue/,
    );
    model.dispose();
  });
});
