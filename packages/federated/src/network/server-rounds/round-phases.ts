import { TesseraError } from '@tessera/core';
import { encodeState } from '../model-transport.js';
import type { CollectedResponses } from '../response-collector.js';
import type { RoundContext } from './server-round-strategy.js';

/** The error a round attempt fails with when too few clients are left: the server retries it. */
export function roundFailure(context: RoundContext, detail: string): TesseraError {
  return new TesseraError('E_FEDERATED_ROUND', `round ${context.round} attempt ${context.attempt}: ${detail}`);
}

/** Reports a finished phase: who was refused and why, who answered and who did not. */
export function reportPhase(context: RoundContext, phase: string, collected: CollectedResponses<unknown>): void {
  for (const [clientId, reason] of collected.rejected) {
    context.emit({ type: 'update-refused', round: context.round, clientId, reason });
  }
  context.emit({
    type: 'phase-complete',
    round: context.round,
    attempt: context.attempt,
    phase,
    responded: [...collected.responses.keys()].sort(),
    missing: [...collected.missing, ...collected.rejected.keys()].sort(),
  });
}

/** Sends the global model with the round's config to every selected client; returns those reached. */
export function sendTraining(context: RoundContext): string[] {
  const modelBytes = encodeState(context.global, { round: String(context.round) });
  const { round, attempt, config } = context;
  return context.selected.filter((clientId) =>
    context.send(clientId, { type: 'train', round, attempt, config }, modelBytes),
  );
}
