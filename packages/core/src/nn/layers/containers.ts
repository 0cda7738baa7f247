import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';

/**
 * A module of any forward signature. APIs that hold or walk modules without calling `forward`
 * themselves (containers, trainers, LoRA, federated clients) take this; the task calls `forward`.
 */
// biome-ignore lint/suspicious/noExplicitAny: any forward signature; `never[]` would reject calls to forward.
export type AnyModule = Module<any[], unknown>;

/** Children named '0', '1', …, in order: for stacks of blocks (`blocks.3.attention...`). */
export class ModuleList<Child extends AnyModule = AnyModule> extends Module<[], never> {
  private readonly items: Child[] = [];

  constructor(modules: Iterable<Child> = []) {
    super();
    for (const module of modules) this.append(module);
  }

  append(module: Child): this {
    this.items.push(this.registerModule(String(this.items.length), module));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(index: number): Child | undefined {
    return this.items.at(index);
  }

  [Symbol.iterator](): Iterator<Child> {
    return this.items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList holds modules; call forward on its items');
  }
}

/** Applies its children in order, each to the previous one's output. */
export class Sequential extends Module<[tf.Tensor], tf.Tensor> {
  private readonly layers: Array<Module<[tf.Tensor], tf.Tensor>>;

  constructor(...layers: Array<Module<[tf.Tensor], tf.Tensor>>) {
    super();
    this.layers = layers.map(
      (layer, index) => this.registerModule(String(index), layer as unknown as AnyModule) as never,
    );
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((value, layer) => layer.forward(value), x));
  }
}

/** [batch, ...] → [batch, product of the rest]. */
export class Flatten extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0] as number, -1]);
  }
}
