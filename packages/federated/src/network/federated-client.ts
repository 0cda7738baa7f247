import { TesseraError } from '@tessera/core';
import { WebSocket } from 'ws';
import { type LocalTrainingResult, trainLocally } from '../federated-averaging/local-training.js';
import { disposeState } from '../federated-averaging/model-state.js';
import type { ClientEvent } from './client-events.js';
import {
  type ClientRoundStrategies,
  clientRoundStrategies,
  strategyForRound,
} from './client-rounds/client-round-strategies.js';
import type { ClientRound, ClientRoundContext } from './client-rounds/client-round-strategy.js';
import { decodeEnvelope, encodeEnvelope, messageBytes } from './envelope.js';
import { type FederatedClientOptions, localTrainingOptions } from './federated-client-options.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { decodeState } from './model-transport.js';

export type { FederatedClientOptions } from './federated-client-options.js';

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
  /** How this client takes part in plain and in secure-aggregation rounds, fixed by its options. */
  private readonly strategies: ClientRoundStrategies;
  /** What the round strategies may use of this client. */
  private readonly roundContext: ClientRoundContext;
  private socket: WebSocket | undefined;
  /** The round this client reported in and waits on the server for, if any. */
  private current: ClientRound | undefined;
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
    this.strategies = clientRoundStrategies(options);
    this.roundContext = {
      clientId: options.clientId,
      randomBytes: options.randomBytes,
      enter: (round) => {
        this.current = round;
      },
      send: (message, payload) => this.send(message, payload),
      emit: (event) => this.emit(event),
    };
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
          new TesseraError('E_FEDERATED_CONNECT', `the server closed the connection: ${reason} (code ${code})`, {
            category: 'unavailable',
          }),
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
          { category: 'unavailable' },
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
    this.current = undefined;
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
    const current = this.current;
    if (current === undefined || header.round !== current.round || header.attempt !== current.attempt) return;
    try {
      if (header.type === 'round-complete') {
        this.clearRound();
        this.roundsTrained += 1;
        await this.emit({ type: 'round-complete', round: current.round, participants: header.participants });
      } else {
        await current.answer(header, this.roundContext);
      }
    } catch (error) {
      this.clearRound();
      const reason = error instanceof Error ? error.message : String(error);
      await this.send({ type: 'abort', round: current.round, attempt: current.attempt, reason });
      await this.emit({ type: 'round-aborted', round: current.round, attempt: current.attempt, reason });
    }
  }

  /** Trains on the round's global model and hands the update to the round's strategy. */
  private async train(header: Extract<ServerMessage, { type: 'train' }>, payload: Uint8Array): Promise<void> {
    const { round, attempt, config } = header;
    const strategy = strategyForRound(this.strategies, config);
    const refusal = strategy.refusal({ round, attempt });
    if (refusal !== undefined) {
      await this.send({ type: 'abort', round, attempt, reason: refusal.reason });
      this.fail(refusal.error);
      return;
    }
    this.clearRound();
    await this.emit({ type: 'training-started', round, attempt, secureAggregation: strategy.secureAggregation });
    const global = decodeState(payload);
    let result: LocalTrainingResult;
    try {
      result = await trainLocally(localTrainingOptions(this.options, { round, attempt }, config), global);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.send({ type: 'abort', round, attempt, reason });
      await this.emit({ type: 'round-aborted', round, attempt, reason });
      return;
    } finally {
      disposeState(global);
    }
    const trained = {
      round,
      attempt,
      config,
      delta: result.update.delta,
      loss: result.meanLoss,
      exampleCount: this.options.dataset.length,
    };
    await strategy.report(trained, this.roundContext);
  }
}
