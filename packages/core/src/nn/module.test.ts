import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { createRandomGenerator } from '../random/random-generator.js';
import { relu } from './activations.js';
import { ModuleList, Sequential } from './layers/containers.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { LayerNorm } from './layers/normalization.js';
import { Module } from './module.js';

class Block extends Module<[tf.Tensor], tf.Tensor> {
  readonly norm = this.registerModule('norm', new LayerNorm(4));
  readonly projection: Linear;
  readonly dropout = this.registerModule('dropout', new Dropout(0.5));
  constructor(seed: number) {
    super();
    this.projection = this.registerModule('projection', new Linear(4, 4, { random: createRandomGenerator(seed) }));
  }
  forward(x: tf.Tensor) {
    return tf.add(x, this.dropout.forward(relu(this.projection.forward(this.norm.forward(x)))));
  }
}

class Tower extends Module<[tf.Tensor], tf.Tensor> {
  readonly blocks = this.registerModule('blocks', new ModuleList([new Block(1), new Block(2)]));
  readonly head = this.registerModule('head', new Linear(4, 2, { random: createRandomGenerator(3) }));
  forward(x: tf.Tensor) {
    let h = x;
    for (const block of this.blocks) h = block.forward(h);
    return this.head.forward(h);
  }
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('Module', () => {
  it('names parameters by dotted path and counts them', () => {
    const tower = new Tower();
    expect(tower.namedParameters().map(([name]) => name)).toEqual([
      'blocks.0.norm.weight',
      'blocks.0.norm.bias',
      'blocks.0.projection.weight',
      'blocks.0.projection.bias',
      'blocks.1.norm.weight',
      'blocks.1.norm.bias',
      'blocks.1.projection.weight',
      'blocks.1.projection.bias',
      'head.weight',
      'head.bias',
    ]);
    expect(tower.parameterCount()).toBe(2 * (4 + 4 + 16 + 4) + 8 + 2);
    tower.dispose();
  });

  it('freezes and unfreezes by glob, prefix or RegExp', () => {
    const tower = new Tower();
    expect(tower.freeze('blocks')).toHaveLength(8);
    expect(tower.parameterCount({ trainableOnly: true })).toBe(10);
    expect(tower.unfreeze('blocks.*.norm.*')).toEqual([
      'blocks.0.norm.weight',
      'blocks.0.norm.bias',
      'blocks.1.norm.weight',
      'blocks.1.norm.bias',
    ]);
    expect(tower.freeze(/bias$/)).toHaveLength(5);
    expect(tower.trainableParameters().map(([name]) => name)).toEqual([
      'blocks.0.norm.weight',
      'blocks.1.norm.weight',
      'head.weight',
    ]);
    expect(() => tower.freeze('decoder')).toThrow(/E_MODULE_PATTERN/);
    tower.dispose();
  });

  it('propagates train/eval through the tree', () => {
    const tower = new Tower().eval();
    expect(tower.namedModules().every(([, module]) => !module.training)).toBe(true);
    tower.train();
    expect(tower.blocks.at(1)?.dropout.training).toBe(true);
    tower.dispose();
  });

  it('round-trips the state dict and reports mismatches by name in strict mode', async () => {
    const source = new Tower();
    const target = new Tower();
    target.loadStateDict(source.stateDict());
    for (const [name, value] of Object.entries(target.stateDict())) {
      expect(await value.data(), name).toEqual(await source.stateDict()[name]?.data());
    }
    const state = { ...source.stateDict() };
    delete (state as Record<string, tf.Tensor>)['head.bias'];
    const extra = tf.zeros([3]);
    const wrongShape = tf.zeros([4, 3]);
    expect(() =>
      target.loadStateDict({ ...state, 'head.scale': extra, 'blocks.0.projection.weight': wrongShape }),
    ).toThrow(
      /E_STATE_DICT.*missing: head\.bias; unexpected: head\.scale; shape mismatch: blocks\.0\.projection\.weight \(expected \[4,4\], got \[4,3\]\)/,
    );
    const report = target.loadStateDict({ ...state, 'head.scale': extra }, { strict: false });
    expect(report).toEqual({ missingKeys: ['head.bias'], unexpectedKeys: ['head.scale'], mismatchedKeys: [] });
    tf.dispose([extra, wrongShape]);
    source.dispose();
    target.dispose();
  });

  it('replaces a head, disposing the old one; forward and dispose leak nothing', () => {
    const before = tf.memory().numTensors;
    const tower = new Tower();
    tower.replaceModule('head', new Linear(4, 5));
    const output = tf.tidy(() => tower.forward(tf.ones([2, 4])));
    expect(output.shape).toEqual([2, 5]);
    output.dispose();
    tower.dispose();
    expect(tf.memory().numTensors).toBe(before + 0);
  });

  it('Sequential chains layers and rejects bad names', () => {
    const model = new Sequential(new Linear(3, 4), new LayerNorm(4), new Linear(4, 1));
    expect(model.namedParameters().map(([name]) => name)[0]).toBe('0.weight');
    expect(tf.tidy(() => model.forward(tf.ones([5, 3])).shape)).toEqual([5, 1]);
    class Bad extends Module<[tf.Tensor], tf.Tensor> {
      constructor() {
        super();
        this.registerParameter('a.b', tf.zeros([1]));
      }
      forward(x: tf.Tensor) {
        return x;
      }
    }
    expect(() => new Bad()).toThrow(/E_MODULE_NAME/);
    model.dispose();
  });
});
