import type { ModelState } from '../../federated-averaging/model-state.js';
import type { ClientMessage, RoundConfig, ServerMessage } from '../messages.js';
import type { AcceptResponse, CollectedResponses } from '../response-collector.js';
import type { ServerEvent } from '../server-events.js';

/** What one round attempt needs from the server: its clients, its model, and its transport. */
export interface RoundContext {
  round: number;
  attempt: number;
  selected: string[];
  global: ModelState;
  config: RoundConfig;
  minimumClients: number;
  trainingTimeoutMilliseconds: number;
  phaseTimeoutMilliseconds: number;
  /** Sends a message; false when the client is no longer connected. */
  send(clientId: string, message: ServerMessage, payload?: Uint8Array): boolean;
  collect<Value>(
    clients: string[],
    type: ClientMessage['type'],
    accept: AcceptResponse<Value>,
    timeoutMilliseconds: number,
  ): Promise<CollectedResponses<Value>>;
  emit(event: ServerEvent): void;
}

/** A completed round: the new global model (owned by the caller) and who contributed. */
export interface RoundOutcome {
  global: ModelState;
  participants: string[];
  exampleCount: number;
  trainingLoss: number;
  clippedUpdates: number;
}

/**
 * How the server runs one kind of round (plain FedAvg, or FedAvg under secure aggregation),
 * chosen once from the server's options (see `serverRoundStrategy`). The server's round loop
 * selects clients, retries failed attempts, records and checkpoints; the strategy exchanges the
 * round's messages and aggregates.
 */
export interface ServerRoundStrategy {
  /** Whether the server sees only the sum of the updates (reported in events and round records). */
  readonly secureAggregation: boolean;
  /** The fields of every round's config this kind of round decides. */
  readonly roundConfig: Pick<RoundConfig, 'maxUpdateNorm' | 'secureAggregation'>;
  /**
   * Runs one attempt: sends the global model to the selected clients and aggregates what they
   * report. A round short of clients fails with E_FEDERATED_ROUND, and the server retries it.
   */
  run(context: RoundContext): Promise<RoundOutcome>;
}
