import { mkdir } from 'node:fs/promises';
import { isTesseraError, TesseraError, tf } from '@tessera/core';
import { selectClients } from '../federated-averaging/client-selection.js';
import { checkLocalOptions } from '../federated-averaging/local-training.js';
import { averagedEntryNames, cloneState, disposeState, type ModelState } from '../federated-averaging/model-state.js';
import { ClientTokens } from './client-authentication.js';
import { ClientConnections } from './client-connections.js';
import { type FederatedServerOptions, positive } from './federated-server-options.js';
import type { ClientMessage, RoundConfig } from './messages.js';
import { type AcceptResponse, type CollectedResponses, ResponseCollector } from './response-collector.js';
import { loadServerCheckpoint, type ServerRoundRecord, saveServerCheckpoint } from './server-checkpoint.js';
import type { ServerEvent } from './server-events.js';
import { serverRoundStrategy } from './server-rounds/server-round-strategies.js';
import type { RoundContext, ServerRoundStrategy } from './server-rounds/server-round-strategy.js';

export type { FederatedServerOptions, SecureAggregationSettings } from './federated-server-options.js';

/**
 * The federated server: HTTPS + WebSocket (the `ws` library) on Node's https server. Clients
 * authenticate with per-client bearer tokens at the WebSocket upgrade; models and updates travel
 * as safetensors bytes; messages larger than `maxPayloadBytes` close the connection (1009). Each
 * round selects clients among those connected, waits for their reports (per-phase timeouts), and
 * completes with those that reported when at least `minimumClients` did; otherwise it is retried.
 * After every round the global model and the round history are checkpointed atomically, and a
 * server restarted on the same `checkpointDirectory` continues after the last completed round.
 *
 * ```ts
 * const server = new FederatedServer({ initialState: model.stateDict(), clients: tokens, rounds: 10,
 *   tls: { certificate, privateKey }, checkpointDirectory: 'runs/fl', secureAggregation: true });
 * const { url } = await server.listen();
 * const { history } = await server.run();
 * await server.close();
 * ```
 */
export class FederatedServer {
  private readonly options: FederatedServerOptions;
  private readonly tokens: ClientTokens;
  private readonly connections: ClientConnections;
  /** Plain or secure-aggregation rounds, fixed by the options. */
  private readonly strategy: ServerRoundStrategy;
  private global: ModelState;
  private history: ServerRoundRecord[] = [];
  private completedRounds = 0;
  private finished = false;
  private running = false;
  private collector: ResponseCollector<unknown> | undefined;
  private readonly timeouts: { training: number; phase: number };

  constructor(options: FederatedServerOptions) {
    this.options = options;
    this.timeouts = {
      training: 1000 * positive(options.trainingTimeoutSeconds ?? 600, 'trainingTimeoutSeconds'),
      phase: 1000 * positive(options.phaseTimeoutSeconds ?? 60, 'phaseTimeoutSeconds'),
    };
    this.tokens = new ClientTokens(options.clients);
    if (!Number.isSafeInteger(options.rounds) || options.rounds < 1) {
      throw new TesseraError('E_FEDERATED_OPTIONS', `rounds must be a positive integer, got ${String(options.rounds)}`);
    }
    checkLocalOptions(options.localEpochs ?? 1, options.localBatchSize ?? 10);
    const minimum = options.minimumClients ?? 2;
    if (!Number.isSafeInteger(minimum) || minimum < 1 || minimum > this.tokens.clientIds.length) {
      throw new TesseraError(
        'E_FEDERATED_OPTIONS',
        `minimumClients must be an integer in [1, ${this.tokens.clientIds.length}] (the registered clients), got ${String(minimum)}`,
      );
    }
    if (
      options.initialState === null ||
      typeof options.initialState !== 'object' ||
      averagedEntryNames(options.initialState).length === 0
    ) {
      throw new TesseraError(
        'E_FEDERATED_OPTIONS',
        'initialState must be a state dict with float32 tensors, e.g. model.stateDict()',
      );
    }
    this.strategy = serverRoundStrategy(options);
    if (options.tls === undefined && options.allowInsecureHttp !== true) {
      throw new TesseraError(
        'E_FEDERATED_TLS',
        'the server needs tls: { certificate, privateKey } (PEM); pass allowInsecureHttp: true only behind a TLS-terminating proxy or in tests',
      );
    }
    this.global = cloneState(options.initialState);
    const modelBytes = averagedEntryNames(this.global).reduce(
      (total, name) => total + 4 * (this.global[name] as tf.Tensor).size,
      0,
    );
    this.connections = new ClientConnections({
      tokens: this.tokens,
      tls: options.tls,
      maxPayloadBytes: options.maxPayloadBytes ?? 2 * modelBytes + 2 ** 20,
      heartbeatSeconds: positive(options.heartbeatSeconds ?? 20, 'heartbeatSeconds'),
      onConnect: (clientId) => {
        if (this.finished) this.connections.send(clientId, { type: 'finished', rounds: this.completedRounds });
      },
      onMessage: (clientId, message, payload) => this.collector?.offer(clientId, message, payload),
      onDisconnect: (clientId) => this.collector?.drop(clientId),
      emit: (event) => this.emit(event),
    });
  }

  /** The current global model (the server's own tensors: copy, do not dispose). */
  get globalState(): ModelState {
    return this.global;
  }

  /** Clients connected now. */
  get connectedClients(): string[] {
    return this.connections.connected;
  }

  /** Starts listening; resolves with the URL clients connect to (wss:// unless insecure). */
  async listen(): Promise<{ url: string; port: number }> {
    const address = await this.connections.listen(this.options.host ?? '127.0.0.1', this.options.port ?? 0);
    this.emit({ type: 'listening', url: address.url });
    return address;
  }

  /**
   * Runs the remaining rounds (resuming from the checkpoint, if any) and tells connected clients
   * to finish. Resolves with the history of every completed round.
   */
  async run(): Promise<{ history: ServerRoundRecord[] }> {
    if (this.running) throw new TesseraError('E_FEDERATED_STATE', 'run() was already called on this server');
    this.running = true;
    await this.resume();
    const minimum = this.options.minimumClients ?? 2;
    while (this.completedRounds < this.options.rounds) {
      const round = this.completedRounds + 1;
      const maxAttempts = this.options.maxAttemptsPerRound ?? 5;
      for (let attempt = 1; ; attempt++) {
        await this.waitForClients(minimum);
        const started = performance.now();
        const connected = this.connectedClients;
        const selected = selectClients(connected.length, this.options.clientFraction ?? 1, {
          round: round * 1000 + attempt,
          seed: this.options.seed ?? 0,
          minimum,
        }).map((index) => connected[index] as string);
        this.emit({
          type: 'round-started',
          round,
          attempt,
          clients: selected,
          secureAggregation: this.strategy.secureAggregation,
        });
        try {
          const outcome = await this.strategy.run(this.roundContext(round, attempt, selected));
          disposeState(this.global);
          this.global = outcome.global;
          const record: ServerRoundRecord = {
            round,
            attempts: attempt,
            participants: outcome.participants,
            dropped: selected.filter((clientId) => !outcome.participants.includes(clientId)),
            exampleCount: outcome.exampleCount,
            trainingLoss: outcome.trainingLoss,
            secureAggregation: this.strategy.secureAggregation,
            clippedUpdates: outcome.clippedUpdates,
            seconds: (performance.now() - started) / 1000,
          };
          if (this.options.evaluate !== undefined) record.metrics = await this.options.evaluate(this.global, round);
          this.history.push(record);
          this.completedRounds = round;
          if (this.options.checkpointDirectory !== undefined) {
            await saveServerCheckpoint(this.options.checkpointDirectory, this.global, round, this.history);
          }
          this.emit({ type: 'round-complete', record });
          for (const clientId of outcome.participants) {
            this.connections.send(clientId, {
              type: 'round-complete',
              round,
              attempt,
              participants: outcome.participants.length,
            });
          }
          break;
        } catch (error) {
          if (!isTesseraError(error, 'E_FEDERATED_ROUND')) throw error;
          this.emit({ type: 'round-failed', round, attempt, reason: error.message });
          if (attempt >= maxAttempts) {
            throw new TesseraError(
              'E_FEDERATED_ROUND',
              `round ${round} failed ${attempt} times; last: ${error.message}. Check that enough clients stay connected (minimumClients ${minimum}) and the timeouts`,
              { cause: error },
            );
          }
        }
      }
    }
    this.finished = true;
    for (const clientId of this.connectedClients)
      this.connections.send(clientId, { type: 'finished', rounds: this.completedRounds });
    this.emit({ type: 'finished', rounds: this.completedRounds });
    return { history: [...this.history] };
  }

  /** Stops listening, closes every connection and frees the global model. */
  async close(): Promise<void> {
    await this.connections.close();
    disposeState(this.global);
    this.global = {};
  }

  /**
   * Resolves once at least `count` clients are connected (each round waits for minimumClients;
   * call this before `run` to let a first round start with everyone who is expected).
   */
  async waitForClients(count: number): Promise<void> {
    if (!Number.isSafeInteger(count) || count > this.tokens.clientIds.length) {
      throw new TesseraError(
        'E_FEDERATED_OPTIONS',
        `cannot wait for ${count} clients: ${this.tokens.clientIds.length} are registered`,
      );
    }
    await this.connections.waitFor(count);
  }

  private async resume(): Promise<void> {
    const directory = this.options.checkpointDirectory;
    if (directory === undefined) return;
    await mkdir(directory, { recursive: true });
    const checkpoint = await loadServerCheckpoint(directory);
    if (checkpoint === undefined) return;
    const expected = averagedEntryNames(this.global);
    const found = averagedEntryNames(checkpoint.global);
    const mismatch =
      expected.length !== found.length ||
      expected.some(
        (name, index) =>
          found[index] !== name ||
          !tf.util.arraysEqual((this.global[name] as tf.Tensor).shape, (checkpoint.global[name] as tf.Tensor).shape),
      );
    if (mismatch) {
      disposeState(checkpoint.global);
      throw new TesseraError(
        'E_FEDERATED_CHECKPOINT',
        `the checkpoint in ${directory} holds a different model than initialState; use a fresh directory for a new model`,
      );
    }
    disposeState(this.global);
    this.global = checkpoint.global;
    this.history = checkpoint.state.history;
    this.completedRounds = checkpoint.state.completedRounds;
    this.emit({ type: 'resumed', completedRounds: this.completedRounds });
  }

  private roundContext(round: number, attempt: number, selected: string[]): RoundContext {
    const config: RoundConfig = {
      localEpochs: this.options.localEpochs ?? 1,
      localBatchSize: Number.isFinite(this.options.localBatchSize ?? 10) ? (this.options.localBatchSize ?? 10) : null,
      proximalStrength: this.options.proximalStrength ?? 0,
      ...this.strategy.roundConfig,
    };
    return {
      round,
      attempt,
      selected,
      global: this.global,
      config,
      minimumClients: this.options.minimumClients ?? 2,
      trainingTimeoutMilliseconds: this.timeouts.training,
      phaseTimeoutMilliseconds: this.timeouts.phase,
      send: (clientId, message, payload) => this.connections.send(clientId, message, payload),
      collect: <Value>(
        clients: string[],
        type: ClientMessage['type'],
        accept: AcceptResponse<Value>,
        timeoutMilliseconds: number,
      ): Promise<CollectedResponses<Value>> => {
        const collector = new ResponseCollector(clients, type, round, attempt, accept, timeoutMilliseconds);
        this.collector = collector as ResponseCollector<unknown>;
        return collector.done.finally(() => {
          if (this.collector === (collector as ResponseCollector<unknown>)) this.collector = undefined;
        });
      },
      emit: (event) => this.emit(event),
    };
  }

  private emit(event: ServerEvent): void {
    this.options.onEvent?.(event);
  }
}
