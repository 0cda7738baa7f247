import { TesseraError } from '@tessera/core';
import { disposeState } from '../../federated-averaging/model-state.js';
import type { ServerMessage } from '../messages.js';
import { encodeState } from '../model-transport.js';
import type { ClientRound, ClientRoundStrategy } from './client-round-strategy.js';

/** A plain round after the update was sent: nothing more is asked of the client but to wait. */
class PlainClientRound implements ClientRound {
  constructor(
    readonly round: number,
    readonly attempt: number,
  ) {}

  async answer(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case 'masked-input-request':
        // A plain round has no roster, so nothing the client could mask with.
        throw new TesseraError('E_FEDERATED_MESSAGE', 'a masked input was requested before a valid roster');
      case 'share-keys':
      case 'unmask-request':
        throw new TesseraError('E_FEDERATED_MESSAGE', 'a secure-aggregation message arrived in a plain round');
      default:
        return;
    }
  }
}

/**
 * Plain FedAvg on the client: the update Δ travels as safetensors bytes in one 'update' message;
 * the server clips and averages it in the clear.
 */
export const plainClientRoundStrategy: ClientRoundStrategy = {
  secureAggregation: false,
  refusal: (): undefined => undefined,
  async report(trained, context): Promise<void> {
    const { round, attempt, exampleCount, loss } = trained;
    const bytes = encodeState(trained.delta);
    disposeState(trained.delta);
    context.enter(new PlainClientRound(round, attempt));
    await context.send({ type: 'update', round, attempt, exampleCount, loss }, bytes);
    await context.emit({ type: 'update-sent', round, attempt, exampleCount, loss });
  },
};
