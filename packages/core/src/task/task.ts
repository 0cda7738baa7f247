import type { Task as TaskContract } from '@tessera/spec';
import type { Module } from '../nn/module.js';

export type { TaskOutput } from '@tessera/spec';

/**
 * How a model turns a batch into a loss and metrics (the contract is @tessera/spec's `Task`); in
 * core its model defaults to any `Module`.
 */
// biome-ignore lint/suspicious/noExplicitAny: a task may drive any module signature.
export type Task<Batch, Model extends Module<any[], unknown> = Module<any[], unknown>> = TaskContract<Batch, Model>;
