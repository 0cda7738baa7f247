import type { AnyModule, CollateFunction, Dataset, FieldDtypes, GradientTransform, Task } from '@tessera/core';
import type { LocalTrainingOptions, OptimizerFactory } from '../federated-averaging/local-training.js';
import { deriveSeed } from '../federated-averaging/seeds.js';
import type { RandomBytes } from '../secure-aggregation/prime-field.js';
import type { ClientEvent } from './client-events.js';
import type { RoundAddress, RoundConfig } from './messages.js';

export interface FederatedClientOptions<Example, Batch> {
  /** The server's URL, e.g. wss://fl.example.org:8443. */
  url: string;
  clientId: string;
  token: string;
  /** Certificates to trust besides the system's, e.g. the server's self-signed certificate (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  model: AnyModule;
  task: Task<Batch, AnyModule>;
  /** This client's private data; it never leaves the process. */
  dataset: Dataset<Example>;
  createOptimizer: OptimizerFactory;
  gradientTransforms?: GradientTransform[];
  dtypes?: FieldDtypes;
  collate?: CollateFunction<Example, Batch>;
  /** Seed of the local shuffles (default 0; each round and attempt derives its own). */
  seed?: number;
  /** Refuse rounds without secure aggregation (default false). */
  requireSecureAggregation?: boolean;
  /** Largest message accepted from the server (default 1 GiB). */
  maxPayloadBytes?: number;
  /** Consecutive failed connection attempts before giving up (default 30). */
  reconnectAttempts?: number;
  /** First delay between attempts; it grows 1.5× per failure up to 10 s (default 1). */
  reconnectDelaySeconds?: number;
  /** Default 10. */
  handshakeTimeoutSeconds?: number;
  onEvent?: (event: ClientEvent) => void | Promise<void>;
  /** Randomness for secure aggregation (default node:crypto). */
  randomBytes?: RandomBytes;
}

/** The local training one round asks of this client: its data and model, the server's E, B and μ. */
export function localTrainingOptions<Example, Batch>(
  options: FederatedClientOptions<Example, Batch>,
  { round, attempt }: RoundAddress,
  config: RoundConfig,
): LocalTrainingOptions<Example, Batch> {
  return {
    model: options.model,
    task: options.task,
    dataset: options.dataset,
    epochs: config.localEpochs,
    batchSize: config.localBatchSize ?? Number.POSITIVE_INFINITY,
    createOptimizer: options.createOptimizer,
    proximalStrength: config.proximalStrength,
    seed: deriveSeed(options.seed ?? 0, round, attempt),
    ...(options.gradientTransforms !== undefined ? { gradientTransforms: options.gradientTransforms } : {}),
    ...(options.dtypes !== undefined ? { dtypes: options.dtypes } : {}),
    ...(options.collate !== undefined ? { collate: options.collate } : {}),
  };
}
