import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { shardRange } from '../data/shard-range.js';
import { TesseraError } from '../errors.js';
import type { GradientTransform } from '../optim/gradients.js';
import type { NamedGradients, NamedParameters } from '../optim/optimizer.js';
import { SharedMemoryGroup, sharedMemoryGroupBytes } from './shared-memory-group.js';

/**
 * Data-parallel training on worker threads, as PyTorch's DistributedDataParallel across processes:
 * each worker runs the same training script on its own backend instance (one wasm instance per
 * thread: the embedded backend runs one thread each) and its share of every batch; gradients are
 * averaged across workers before each optimizer step, so every replica takes the identical step
 * and the result equals one process training on the whole batch.
 *
 *   // main.ts
 *   const results = await launchDataParallel(new URL('./train-worker.js', import.meta.url), { workers: 2 });
 *   // train-worker.ts
 *   const group = joinDataParallel();
 *   group.broadcastParameters(model.trainableParameters()); // identical replicas
 *   const { start, end } = group.shardRange(batchSize);     // this worker's rows of each batch
 *   optimizer.step(group.averageGradients().apply(gradients, { step }));
 *   group.report({ loss });                                  // what launchDataParallel resolves with
 */

const WORKER_DATA_KEY = '__tesseraDataParallel';
const DEFAULT_CHUNK_LENGTH = 1 << 20; // floats exchanged per round trip: 4 MiB per member

interface GroupWorkerData {
  buffer: SharedArrayBuffer;
  rank: number;
  worldSize: number;
  data: unknown;
}

export interface LaunchDataParallelOptions {
  /** Worker threads (replicas); default: every core (`os.availableParallelism()`). */
  workers?: number;
  /** Passed to every worker as `group.data` (structured-cloned). */
  data?: unknown;
  /** Floats exchanged per round trip of an all-reduce (default 1,048,576: 4 MiB per worker). */
  chunkLength?: number;
  /** Extra environment for the workers (default: the launcher's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `script` (an ES module or CommonJS file; a URL or path) on `workers` threads that join one
 * data-parallel group. Resolves with what each worker passed to `group.report`, by rank, once all
 * have finished. If any worker throws or exits early, the others are stopped (waiting members
 * throw E_DATA_PARALLEL_ABORTED) and the promise rejects with that worker's error.
 */
export async function launchDataParallel<Result = unknown>(
  script: URL | string,
  options: LaunchDataParallelOptions = {},
): Promise<Result[]> {
  const worldSize = options.workers ?? availableParallelism();
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new TesseraError('E_DATA_PARALLEL', `workers must be a positive integer, got ${worldSize}`);
  }
  const chunkLength = options.chunkLength ?? DEFAULT_CHUNK_LENGTH;
  if (!Number.isInteger(chunkLength) || chunkLength < 1) {
    throw new TesseraError('E_DATA_PARALLEL', `chunkLength must be a positive integer, got ${chunkLength}`);
  }
  const buffer = new SharedArrayBuffer(sharedMemoryGroupBytes(worldSize, chunkLength));
  const results: Result[] = new Array(worldSize);
  const workers: Worker[] = [];
  let failure: Error | undefined;
  const stopAll = (error: Error) => {
    if (failure !== undefined) return;
    failure = error;
    SharedMemoryGroup.abort(buffer); // wakes members blocked in a collective
    for (const worker of workers) void worker.terminate();
  };
  const finished = Array.from({ length: worldSize }, (_, rank) => {
    const groupData: GroupWorkerData = { buffer, rank, worldSize, data: options.data };
    const worker = new Worker(script, {
      workerData: { [WORKER_DATA_KEY]: groupData },
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    workers.push(worker);
    return new Promise<void>((resolve) => {
      worker.on('message', (message: { [WORKER_DATA_KEY]?: { result: Result } }) => {
        const report = message?.[WORKER_DATA_KEY];
        if (report !== undefined) results[rank] = report.result;
      });
      worker.on('error', (error) => {
        // Errors cross the thread boundary as plain Errors: keep a TesseraError's code, name the worker.
        const message = error instanceof Error ? error.message : String(error);
        const coded = /^(E_[A-Z0-9_]+): ([\s\S]*)$/.exec(message);
        stopAll(
          coded === null
            ? new TesseraError('E_DATA_PARALLEL_WORKER', `worker ${rank} failed: ${message}`, { cause: error })
            : new TesseraError(coded[1] as `E_${string}`, `worker ${rank}: ${coded[2]}`, { cause: error }),
        );
        resolve();
      });
      worker.on('exit', (code) => {
        if (code !== 0) stopAll(new TesseraError('E_DATA_PARALLEL_WORKER', `worker ${rank} exited with code ${code}`));
        resolve();
      });
    });
  });
  await Promise.all(finished);
  if (failure !== undefined) throw failure;
  return results;
}

/** A worker's membership of the group started by `launchDataParallel`. */
export interface DataParallelGroup {
  readonly rank: number;
  readonly worldSize: number;
  /** `options.data` of launchDataParallel. */
  readonly data: unknown;
  /** A gradient transform that replaces every gradient with its mean over all workers (put it before clipping). */
  averageGradients(): GradientTransform;
  /** Copies worker 0's parameter values into every worker's, so replicas start identical. */
  broadcastParameters(parameters: NamedParameters): void;
  /** The mean of a number over all workers (e.g. the loss, for logging). */
  averageScalar(value: number): number;
  /**
   * This worker's rows [start, end) of a batch of `length` rows, split as evenly as possible
   * (DataLoader's `shard: group` option splits every batch this way).
   */
  shardRange(length: number): { start: number; end: number };
  /** Blocks until every worker arrives. */
  barrier(): void;
  /** What launchDataParallel resolves with for this worker (the last value reported). */
  report(result: unknown): void;
}

/** Joins the group of a worker started by launchDataParallel (call once, in the worker script). */
export function joinDataParallel(): DataParallelGroup {
  const groupData = (workerData as Record<string, GroupWorkerData> | null)?.[WORKER_DATA_KEY];
  if (isMainThread || groupData === undefined || parentPort === null) {
    throw new TesseraError(
      'E_DATA_PARALLEL',
      'joinDataParallel() runs in a worker started by launchDataParallel(script), not in the main thread',
    );
  }
  const port = parentPort;
  const group = new SharedMemoryGroup(groupData.buffer, groupData.rank, groupData.worldSize);
  const { rank, worldSize } = group;
  return {
    rank,
    worldSize,
    data: groupData.data,
    averageGradients: () => ({
      name: `averageGradients(${worldSize} workers)`,
      apply(gradients: NamedGradients): NamedGradients {
        // Sorted names: every worker packs the same parameters in the same order.
        const names = Object.keys(gradients).sort();
        const flat = packTensors(names.map((name) => gradients[name]!));
        // Workers that disagree on what they pack would average unrelated numbers (or wait on each
        // other forever when the chunk counts differ): agree on the length first.
        const agreed = group.allReduceMean(Float32Array.of(flat.length))[0]!;
        if (agreed !== Math.fround(flat.length)) {
          throw new TesseraError(
            'E_DATA_PARALLEL_GRADIENTS',
            `worker ${rank} has ${flat.length} gradient values but the workers' mean is ${agreed}: every worker must ` +
              'compute gradients for the same parameters (a parameter unused on some workers gets none there)',
          );
        }
        group.allReduceMean(flat);
        const averaged = unpackTensors(
          flat,
          names.map((name) => gradients[name]!),
        );
        return Object.fromEntries(names.map((name, index) => [name, averaged[index]!]));
      },
    }),
    broadcastParameters(parameters: NamedParameters): void {
      const ordered = [...parameters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, variable]) => variable);
      const flat = group.broadcast(packTensors(ordered));
      const values = unpackTensors(flat, ordered);
      ordered.forEach((variable, index) => {
        variable.assign(values[index]!);
      });
      tf.dispose(values);
    },
    averageScalar(value: number): number {
      return group.allReduceMean(Float32Array.of(value))[0]!;
    },
    shardRange: (length: number) => shardRange(length, rank, worldSize),
    barrier: () => group.barrier(),
    report(result: unknown): void {
      port.postMessage({ [WORKER_DATA_KEY]: { result } });
    },
  };
}

/** The tensors' float32 values end to end. */
function packTensors(tensors: tf.Tensor[]): Float32Array {
  const flat = new Float32Array(tensors.reduce((total, tensor) => total + tensor.size, 0));
  let offset = 0;
  for (const tensor of tensors) {
    flat.set(tensor.dataSync() as Float32Array, offset);
    offset += tensor.size;
  }
  return flat;
}

/** New tensors shaped like `like`, read back from `packTensors`' layout. */
function unpackTensors(flat: Float32Array, like: tf.Tensor[]): tf.Tensor[] {
  let offset = 0;
  return like.map((tensor) => {
    const values = flat.slice(offset, offset + tensor.size);
    offset += tensor.size;
    return tf.tensor(values, tensor.shape, 'float32');
  });
}
