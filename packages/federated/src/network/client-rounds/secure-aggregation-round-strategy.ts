import { TesseraError } from '@tessera/core';
import { disposeState, flattenState } from '../../federated-averaging/model-state.js';
import { clipUpdate } from '../../federated-averaging/update-clipping.js';
import { SecureAggregationClient } from '../../secure-aggregation/secure-aggregation-client.js';
import type { ServerMessage } from '../messages.js';
import { encodeMaskedInput } from '../model-transport.js';
import type { ClientRound, ClientRoundContext, ClientRoundStrategy } from './client-round-strategy.js';

/**
 * A secure-aggregation round after the keys were advertised: it answers share-keys,
 * masked-input-request and unmask-request in turn, driving one SecureAggregationClient.
 */
class SecureAggregationClientRound implements ClientRound {
  /** N: the example count of every client that advertised keys, known once the roster arrives. */
  private totalExamples: number | undefined;
  /** The clipped update, flattened, kept until the masked input is computed. */
  private flatUpdate: Float32Array | undefined;

  constructor(
    readonly round: number,
    readonly attempt: number,
    private readonly exampleCount: number,
    private readonly secure: SecureAggregationClient,
    flatUpdate: Float32Array,
  ) {
    this.flatUpdate = flatUpdate;
  }

  async answer(message: ServerMessage, context: ClientRoundContext): Promise<void> {
    const { round, attempt } = this;
    switch (message.type) {
      case 'share-keys': {
        const shares = this.secure.shareKeys(message.roster);
        this.totalExamples = message.totalExamples;
        await context.send({ type: 'encrypted-shares', round, attempt, shares });
        await context.emit({ type: 'shares-sent', round, attempt, peers: shares.length });
        return;
      }
      case 'masked-input-request': {
        const total = this.totalExamples;
        if (total === undefined || !(total >= this.exampleCount)) {
          throw new TesseraError('E_FEDERATED_MESSAGE', 'a masked input was requested before a valid roster');
        }
        // The FedAvg weight n_u / N, so that the masked sum is already the weighted sum.
        const weight = this.exampleCount / total;
        const input = Float32Array.from(this.flatUpdate as Float32Array, (value) => value * weight);
        const masked = this.secure.maskInput(input, message.shares, message.maskingSet);
        this.flatUpdate = undefined;
        await context.send({ type: 'masked-input', round, attempt }, encodeMaskedInput(masked));
        await context.emit({ type: 'masked-input-sent', round, attempt });
        return;
      }
      case 'unmask-request': {
        const unmasking = this.secure.unmask(message.survivors);
        await context.send({ type: 'unmask-shares', round, attempt, unmasking });
        await context.emit({ type: 'unmasking-shares-sent', round, attempt, survivors: message.survivors.length });
        return;
      }
      default:
        return;
    }
  }
}

/**
 * FedAvg under secure aggregation (Bonawitz et al.) on the client: instead of its update the
 * client advertises two fresh public keys, then shares keys, sends its update masked and
 * pre-weighted by n_u / N, and finally helps unmask the sum, so the server sees only the sum.
 */
export const secureAggregationClientRoundStrategy: ClientRoundStrategy = {
  secureAggregation: true,
  refusal: (): undefined => undefined,
  async report(trained, context): Promise<void> {
    const { round, attempt, config, delta, exampleCount, loss } = trained;
    // Under secure aggregation the server cannot clip what it cannot see: honest clients clip themselves.
    const bounded = config.maxUpdateNorm === null ? { delta } : clipUpdate(delta, config.maxUpdateNorm);
    const flatUpdate = flattenState(bounded.delta);
    if (bounded.delta !== delta) disposeState(bounded.delta);
    disposeState(delta);
    const secure = new SecureAggregationClient({
      clientId: context.clientId,
      fractionalBits: config.secureAggregation?.fractionalBits as number,
      ...(context.randomBytes !== undefined ? { randomBytes: context.randomBytes } : {}),
    });
    context.enter(new SecureAggregationClientRound(round, attempt, exampleCount, secure, flatUpdate));
    await context.send({ type: 'advertise-keys', round, attempt, exampleCount, loss, keys: secure.advertiseKeys() });
    await context.emit({ type: 'keys-advertised', round, attempt, exampleCount, loss });
  },
};
