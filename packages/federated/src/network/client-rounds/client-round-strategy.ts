import type { TesseraError } from '@tessera/core';
import type { ModelState } from '../../federated-averaging/model-state.js';
import type { RandomBytes } from '../../secure-aggregation/prime-field.js';
import type { ClientEvent } from '../client-events.js';
import type { ClientMessage, RoundAddress, RoundConfig, ServerMessage } from '../messages.js';

/** A round this client has just trained in: where it belongs, what the server asked, what came out. */
export interface TrainedRound extends RoundAddress {
  config: RoundConfig;
  /** The local update Δ = local − global; the strategy owns it (and disposes it). */
  delta: ModelState;
  /** Mean local training loss. */
  loss: number;
  /** n_u: this client's example count, its FedAvg weight. */
  exampleCount: number;
}

/** What a round strategy may use of its client: its identity, its randomness and its transport. */
export interface ClientRoundContext {
  clientId: string;
  /** Randomness for secure aggregation (undefined: node:crypto). */
  randomBytes: RandomBytes | undefined;
  /** Makes `round` the client's current round: later server messages of its attempt go to it. */
  enter(round: ClientRound): void;
  send(message: ClientMessage, payload?: Uint8Array): Promise<void>;
  emit(event: ClientEvent): Promise<void>;
}

/** A round in progress after the client's first report; it answers the server's later messages. */
export interface ClientRound extends RoundAddress {
  /**
   * Answers one server message of this round and attempt other than 'train' and
   * 'round-complete' (the client handles those itself); throwing aborts the round.
   */
  answer(message: ServerMessage, context: ClientRoundContext): Promise<void>;
}

/** Why a client will not take part in a round at all. */
export interface RoundRefusal {
  /** Sent to the server in the 'abort' message. */
  reason: string;
  /** What `run()` rejects with. */
  error: TesseraError;
}

/**
 * How a client takes part in one kind of round (plain FedAvg, or FedAvg under secure
 * aggregation): whether it does at all, and what it reports once it has trained. The client
 * picks the strategy from the round's config (see `clientRoundStrategies`); local training and
 * the connection are the client's, the same for every kind of round.
 */
export interface ClientRoundStrategy {
  /** Whether rounds run by this strategy hide the update by secure aggregation (reported in 'training-started'). */
  readonly secureAggregation: boolean;
  /**
   * Checked before training: undefined to take part; otherwise the reason the client aborts the
   * round with, and the error it then stops with.
   */
  refusal(address: RoundAddress): RoundRefusal | undefined;
  /** Sends the first report of a trained round and enters the round that waits for the server. */
  report(trained: TrainedRound, context: ClientRoundContext): Promise<void>;
}
