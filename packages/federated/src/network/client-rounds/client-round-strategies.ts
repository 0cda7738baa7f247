import { TesseraError } from '@tessera/core';
import type { RoundConfig } from '../messages.js';
import type { ClientRoundStrategy } from './client-round-strategy.js';
import { plainClientRoundStrategy } from './plain-round-strategy.js';
import { secureAggregationClientRoundStrategy } from './secure-aggregation-round-strategy.js';

/** The strategy a client runs for each kind of round the server may start. */
export interface ClientRoundStrategies {
  plain: ClientRoundStrategy;
  secureAggregation: ClientRoundStrategy;
}

/** For a client that requires secure aggregation: every plain round is refused before training. */
export const plainRoundRefusalStrategy: ClientRoundStrategy = {
  ...plainClientRoundStrategy,
  refusal: ({ round }) => ({
    reason: 'this client requires secure aggregation',
    error: new TesseraError(
      'E_FEDERATED_SECURE_AGGREGATION_REQUIRED',
      `round ${round} does not use secure aggregation, which this client requires`,
    ),
  }),
};

/** Chosen once from the client's options: `requireSecureAggregation` swaps in the refusal of plain rounds. */
export function clientRoundStrategies(options: { requireSecureAggregation?: boolean }): ClientRoundStrategies {
  return {
    plain: options.requireSecureAggregation === true ? plainRoundRefusalStrategy : plainClientRoundStrategy,
    secureAggregation: secureAggregationClientRoundStrategy,
  };
}

/** The server decides the kind of each round, and its config says which: secure aggregation is set or null. */
export function strategyForRound(strategies: ClientRoundStrategies, config: RoundConfig): ClientRoundStrategy {
  return config.secureAggregation === null ? strategies.plain : strategies.secureAggregation;
}
