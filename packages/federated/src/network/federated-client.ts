import {
  type AnyModule,
  type CollateFunction,
  type Dataset,
  type FieldDtypes,
  type GradientTransform,
  type Task,
  TesseraError,
} from '@tessera/core';
import { WebSocket } from 'ws';
import { type OptimizerFactory, trainLocally } from '../federated-averaging/local-training.js';
import { disposeState, flattenState, type ModelState } from '../federated-averaging/model-state.js';
import { deriveSeed } from '../federated-averaging/seeds.js';
import { clipUpdate } from '../federated-averaging/update-clipping.js';
import type { RandomBytes } from '../secure-aggregation/prime-field.js';
import { SecureAggregationClient } from '../secure-aggregation/secure-aggregation-client.js';
import type { ClientEvent } from './client-events.js';
import { decodeEnvelope, encodeEnvelope, messageBytes } from './envelope.js';
import type { ClientMessage, RoundConfig, ServerMessage } from './messages.js';
import { decodeState, encodeMaskedInput, encodeState } from './model-transport.js';

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

interface RoundState {
  round: number;
  attempt: number;
  config: RoundConfig;
  exampleCount: number;
  secure?: SecureAggregationClient;
  /** The clipped update, flattened, kept until the masked input is computed. */
  flatUpdate?: Float32Array;
  totalExamples?: number;
}

const TLS_ERROR = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/;

/**
 * A federated client: connects to a FederatedServer over WSS with its id and token, trains on
 * its own data when selected (any Task, via the trainers' Trainer), and sends back only its
 * update — as safetensors bytes in plain mode, or masked under secure aggregation. It reconnects
 * after a dropped connection (a restarted server resumes from its checkpoint) and `run`
 * resolves when the server says the run is finished.
 *
 * ```ts
 * const client = new FederatedClient({ url, clientId: 'hospital-a', token, ca: certificate,
 *   model, task: classificationTask(), dataset, createOptimizer: (p) => new SGD(p, { learningRate: 0.05 }) });
 * await client.run();
 * ```
 */
export class FederatedClient<Example, Batch> {
  private readonly options: FederatedClientOptions<Example, Batch>;
  private socket: WebSocket | undefined;
  private state: RoundState | undefined;
  private queue: Promise<void> = Promise.resolve();
  private roundsTrained = 0;
  private stopped = false;
  private settle: { resolve: (value: { roundsTrained: number }) => void; reject: (error: unknown) => void } | undefined;

  constructor(options: FederatedClientOptions<Example, Batch>) {
    if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
      throw new TesseraError(
        'E_FEDERATED_OPTIONS',
        `url must start with wss:// (or ws:// for a local test server), got ${String(options.url)}`,
      );
    }
    if (typeof options.clientId !== 'string' || options.clientId === '' || typeof options.token !== 'string') {
      throw new TesseraError('E_FEDERATED_OPTIONS', 'clientId and token must be non-empty strings');
    }
    this.options = options;
  }

  /** Takes part in rounds until the server finishes; resolves with how many rounds this client trained in. */
  run(): Promise<{ roundsTrained: number }> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.connect(0);
    });
  }

  /** Disconnects and stops (run() then rejects with E_FEDERATED_STOPPED). */
  close(): void {
    this.fail(new TesseraError('E_FEDERATED_STOPPED', `client ${this.options.clientId} was closed`));
  }

  private connect(failures: number): void {
    if (this.stopped) return;
    const options = this.options;
    const socket = new WebSocket(options.url, {
      headers: { authorization: `Bearer ${options.token}`, 'x-tessera-client-id': options.clientId },
      maxPayload: options.maxPayloadBytes ?? 2 ** 30,
      handshakeTimeout: 1000 * (options.handshakeTimeoutSeconds ?? 10),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
    this.socket = socket;
    let opened = false;
    // 'unexpected-response' and 'close' can both end a connection attempt; only the first decides.
    let ended = false;
    socket.on('unexpected-response', (_, response) => {
      const status = response.statusCode ?? 0;
      ended = true;
      socket.terminate();
      if (status === 401 || status === 403) {
        this.fail(
          new TesseraError(
            'E_FEDERATED_AUTH',
            `the server refused client '${options.clientId}' (HTTP ${status}): check the client id and its token`,
          ),
        );
      } else this.retry(failures + 1, `the server answered HTTP ${status}`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (TLS_ERROR.test(`${error.code ?? ''} ${error.message}`)) {
        this.fail(
          new TesseraError(
            'E_FEDERATED_TLS',
            `the server's certificate was not accepted (${error.code ?? error.message}); pass its CA certificate as ca`,
            { cause: error },
          ),
        );
      }
      // Otherwise 'close' follows and decides whether to reconnect.
    });
    socket.on('open', () => {
      opened = true;
      this.notify({ type: 'connected', url: options.url });
    });
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const bytes = messageBytes(data as Buffer);
      this.queue = this.queue.then(() => this.handle(bytes)).catch((error) => this.fail(error));
    });
    socket.on('close', (code, reasonBytes) => {
      const reason = reasonBytes.toString();
      if (this.stopped || ended) return;
      ended = true;
      this.notify({ type: 'disconnected', code, reason });
      if (code === 1009) {
        this.fail(
          new TesseraError(
            'E_FEDERATED_PAYLOAD',
            `a message exceeded the maximum payload size (${reason || 'code 1009'})`,
          ),
        );
      } else if (code === 1008 || code === 4000) {
        this.fail(
          new TesseraError('E_FEDERATED_CONNECT', `the server closed the connection: ${reason} (code ${code})`),
        );
      } else {
        this.retry(opened ? 1 : failures + 1, reason || `connection closed (code ${code})`);
      }
    });
  }

  private retry(failures: number, reason: string): void {
    if (this.stopped) return;
    const limit = this.options.reconnectAttempts ?? 30;
    if (failures > limit) {
      this.fail(
        new TesseraError(
          'E_FEDERATED_CONNECT',
          `could not reach ${this.options.url} after ${limit} attempts: ${reason}`,
        ),
      );
      return;
    }
    const delaySeconds = Math.min(10, (this.options.reconnectDelaySeconds ?? 1) * 1.5 ** Math.max(0, failures - 1));
    this.notify({ type: 'reconnecting', attempt: failures, delaySeconds, reason });
    setTimeout(() => this.connect(failures), 1000 * delaySeconds);
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearRound();
    this.socket?.terminate();
    this.settle?.reject(error);
  }

  private async emit(event: ClientEvent): Promise<void> {
    await this.options.onEvent?.(event);
  }

  /** Reports an event from a socket callback; a throwing `onEvent` stops the client like any failure. */
  private notify(event: ClientEvent): void {
    this.emit(event).catch((error: unknown) => this.fail(error));
  }

  private send(message: ClientMessage, payload?: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => socket.send(encodeEnvelope(message, payload), () => resolve()));
  }

  private clearRound(): void {
    this.state = undefined;
  }

  private async handle(bytes: Uint8Array): Promise<void> {
    if (this.stopped) return;
    const message = decodeEnvelope(bytes);
    const header = message.header as unknown as ServerMessage;
    if (header.type === 'finished') {
      this.stopped = true;
      this.clearRound();
      await this.emit({ type: 'finished', rounds: header.rounds });
      this.socket?.close(1000, 'finished');
      this.settle?.resolve({ roundsTrained: this.roundsTrained });
      return;
    }
    if (header.type === 'train') {
      await this.train(header, message.payload);
      return;
    }
    const state = this.state;
    if (state === undefined || header.round !== state.round || header.attempt !== state.attempt) return;
    try {
      await this.step(header, state);
    } catch (error) {
      this.clearRound();
      const reason = error instanceof Error ? error.message : String(error);
      await this.send({ type: 'abort', round: state.round, attempt: state.attempt, reason });
      await this.emit({ type: 'round-aborted', round: state.round, attempt: state.attempt, reason });
    }
  }

  private async train(header: Extract<ServerMessage, { type: 'train' }>, payload: Uint8Array): Promise<void> {
    const { round, attempt, config } = header;
    const secure = config.secureAggregation !== null;
    if (!secure && this.options.requireSecureAggregation === true) {
      await this.send({ type: 'abort', round, attempt, reason: 'this client requires secure aggregation' });
      this.fail(
        new TesseraError(
          'E_FEDERATED_SECURE_AGGREGATION_REQUIRED',
          `round ${round} does not use secure aggregation, which this client requires`,
        ),
      );
      return;
    }
    this.clearRound();
    await this.emit({ type: 'training-started', round, attempt, secureAggregation: secure });
    const options = this.options;
    const global = decodeState(payload);
    let delta: ModelState;
    let loss: number;
    try {
      const result = await trainLocally(
        {
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
        },
        global,
      );
      delta = result.update.delta;
      loss = result.meanLoss;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.send({ type: 'abort', round, attempt, reason });
      await this.emit({ type: 'round-aborted', round, attempt, reason });
      return;
    } finally {
      disposeState(global);
    }
    const exampleCount = options.dataset.length;
    if (!secure) {
      const bytes = encodeState(delta);
      disposeState(delta);
      this.state = { round, attempt, config, exampleCount };
      await this.send({ type: 'update', round, attempt, exampleCount, loss }, bytes);
      await this.emit({ type: 'update-sent', round, attempt, exampleCount, loss });
      return;
    }
    // Under secure aggregation the server cannot clip what it cannot see: honest clients clip themselves.
    const bounded = config.maxUpdateNorm === null ? { delta } : clipUpdate(delta, config.maxUpdateNorm);
    const flatUpdate = flattenState(bounded.delta);
    if (bounded.delta !== delta) disposeState(bounded.delta);
    disposeState(delta);
    const client = new SecureAggregationClient({
      clientId: options.clientId,
      fractionalBits: config.secureAggregation?.fractionalBits as number,
      ...(options.randomBytes !== undefined ? { randomBytes: options.randomBytes } : {}),
    });
    this.state = { round, attempt, config, exampleCount, secure: client, flatUpdate };
    await this.send({ type: 'advertise-keys', round, attempt, exampleCount, loss, keys: client.advertiseKeys() });
    await this.emit({ type: 'keys-advertised', round, attempt, exampleCount, loss });
  }

  private async step(header: ServerMessage, state: RoundState): Promise<void> {
    const { round, attempt } = state;
    switch (header.type) {
      case 'share-keys': {
        const shares = requireSecure(state).shareKeys(header.roster);
        state.totalExamples = header.totalExamples;
        await this.send({ type: 'encrypted-shares', round, attempt, shares });
        await this.emit({ type: 'shares-sent', round, attempt, peers: shares.length });
        return;
      }
      case 'masked-input-request': {
        const total = state.totalExamples;
        if (total === undefined || !(total >= state.exampleCount)) {
          throw new TesseraError('E_FEDERATED_MESSAGE', 'a masked input was requested before a valid roster');
        }
        // The FedAvg weight n_u / N, so that the masked sum is already the weighted sum.
        const weight = state.exampleCount / total;
        const input = Float32Array.from(state.flatUpdate as Float32Array, (value) => value * weight);
        const masked = requireSecure(state).maskInput(input, header.shares, header.maskingSet);
        state.flatUpdate = undefined;
        await this.send({ type: 'masked-input', round, attempt }, encodeMaskedInput(masked));
        await this.emit({ type: 'masked-input-sent', round, attempt });
        return;
      }
      case 'unmask-request': {
        const unmasking = requireSecure(state).unmask(header.survivors);
        await this.send({ type: 'unmask-shares', round, attempt, unmasking });
        await this.emit({ type: 'unmasking-shares-sent', round, attempt, survivors: header.survivors.length });
        return;
      }
      case 'round-complete':
        this.clearRound();
        this.roundsTrained += 1;
        await this.emit({ type: 'round-complete', round, participants: header.participants });
        return;
      default:
        return;
    }
  }
}

function requireSecure(state: RoundState): SecureAggregationClient {
  if (state.secure === undefined) {
    throw new TesseraError('E_FEDERATED_MESSAGE', 'a secure-aggregation message arrived in a plain round');
  }
  return state.secure;
}
