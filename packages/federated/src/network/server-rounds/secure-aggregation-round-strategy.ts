import { isTesseraError, type tf } from '@tessera/core';
import { averagedEntryNames, disposeState, stateNorm, unflattenState } from '../../federated-averaging/model-state.js';
import { applyDelta } from '../../federated-averaging/update-aggregator.js';
import { clipUpdate } from '../../federated-averaging/update-clipping.js';
import {
  type AdvertisedKeys,
  decodeBase64Key,
  type EncryptedShare,
  type UnmaskingShares,
} from '../../secure-aggregation/protocol-messages.js';
import { SecureAggregationServer } from '../../secure-aggregation/secure-aggregation-server.js';
import type { ClientMessage } from '../messages.js';
import { decodeMaskedInput } from '../model-transport.js';
import { reportPhase, roundFailure, sendTraining } from './round-phases.js';
import type { RoundContext, RoundOutcome, ServerRoundStrategy } from './server-round-strategy.js';

export interface SecureAggregationRoundSettings {
  /** Clients that may drop out after advertising keys (see SecureAggregationServer). */
  dropoutTolerance: number;
  /** Fixed-point fractional bits, sent to the clients. */
  fractionalBits: number;
  /** L2 bound the clients clip their updates to, and the server the aggregate. */
  maxUpdateNorm: number;
}

/**
 * FedAvg through secure aggregation: the server learns only Σ_{U3} (n_u / N) Δ_u, where N is the
 * example count of everyone who advertised keys, and divides by Σ_{U3} n_u / N (it knows the
 * counts) to get the weighted mean update. It cannot clip individual updates it never sees:
 * honest clients clip their own to maxUpdateNorm, and the server clips the aggregate to the same
 * bound — a weighted mean of vectors of norm ≤ B has norm ≤ B, so a poisoned client can move the
 * global model by at most B per round in total.
 */
async function runSecureRound(context: RoundContext, settings: SecureAggregationRoundSettings): Promise<RoundOutcome> {
  const names = averagedEntryNames(context.global);
  const vectorLength = names.reduce((total, name) => total + (context.global[name] as tf.Tensor).size, 0);
  const { round, attempt } = context;

  const advertised = await context.collect(
    sendTraining(context),
    'advertise-keys',
    (clientId, message) => {
      const { exampleCount, loss, keys } = message as Extract<ClientMessage, { type: 'advertise-keys' }>;
      // Bad keys reject this client alone rather than failing the roster for everyone.
      decodeBase64Key(keys.encryptionPublicKey, `${clientId}'s encryption key`);
      decodeBase64Key(keys.maskingPublicKey, `${clientId}'s masking key`);
      // The id is the authenticated one, whatever the message claims.
      const advertisedKeys: AdvertisedKeys = {
        clientId,
        encryptionPublicKey: keys.encryptionPublicKey,
        maskingPublicKey: keys.maskingPublicKey,
      };
      return { exampleCount, loss, keys: advertisedKeys };
    },
    context.trainingTimeoutMilliseconds,
  );
  reportPhase(context, 'advertise-keys', advertised);
  const secure = new SecureAggregationServer({
    vectorLength,
    dropoutTolerance: settings.dropoutTolerance,
    fractionalBits: settings.fractionalBits,
  });
  const requireCount = (count: number, what: string) => {
    if (count < Math.max(context.minimumClients, 2)) {
      throw roundFailure(
        context,
        `${count} clients ${what}, at least ${Math.max(context.minimumClients, 2)} are required`,
      );
    }
  };
  requireCount(advertised.responses.size, 'advertised keys');
  try {
    const roster = secure.createRoster([...advertised.responses.values()].map((response) => response.keys));
    const totalExamples = [...advertised.responses.values()].reduce(
      (total, response) => total + response.exampleCount,
      0,
    );
    const rosterIds = roster.clients.map((client) => client.clientId);
    const reachedForShares = rosterIds.filter((clientId) =>
      context.send(clientId, { type: 'share-keys', round, attempt, roster, totalExamples }),
    );
    const shared = await context.collect(
      reachedForShares,
      'encrypted-shares',
      (_, message) => (message as Extract<ClientMessage, { type: 'encrypted-shares' }>).shares,
      context.phaseTimeoutMilliseconds,
    );
    reportPhase(context, 'encrypted-shares', shared);
    const { maskingSet, sharesByRecipient } = secure.routeShares(shared.responses as Map<string, EncryptedShare[]>);

    const reachedForMasking = maskingSet.filter((clientId) =>
      context.send(clientId, {
        type: 'masked-input-request',
        round,
        attempt,
        maskingSet,
        shares: sharesByRecipient.get(clientId) ?? [],
      }),
    );
    const masked = await context.collect(
      reachedForMasking,
      'masked-input',
      (_, __, payload) => decodeMaskedInput(payload, vectorLength),
      context.phaseTimeoutMilliseconds,
    );
    reportPhase(context, 'masked-input', masked);
    const survivors = secure.collectMaskedInputs(masked.responses);
    requireCount(survivors.length, 'sent masked inputs');

    const reachedForUnmasking = survivors.filter((clientId) =>
      context.send(clientId, { type: 'unmask-request', round, attempt, survivors }),
    );
    const unmasking = await context.collect(
      reachedForUnmasking,
      'unmask-shares',
      (clientId, message) =>
        ({
          ...(message as Extract<ClientMessage, { type: 'unmask-shares' }>).unmasking,
          clientId,
        }) as UnmaskingShares,
      context.phaseTimeoutMilliseconds,
    );
    reportPhase(context, 'unmask-shares', unmasking);
    const { sum } = secure.unmask(unmasking.responses);

    const counts = survivors.map((clientId) => advertised.responses.get(clientId)?.exampleCount as number);
    const exampleCount = counts.reduce((total, count) => total + count, 0);
    const weightSum = exampleCount / totalExamples;
    const average = Float32Array.from(sum, (value) => value / weightSum);
    const delta = unflattenState(average, context.global);
    const norm = stateNorm(delta);
    const bounded = clipUpdate(delta, settings.maxUpdateNorm, norm);
    const global = applyDelta(context.global, bounded.delta);
    if (bounded.delta !== delta) disposeState(bounded.delta);
    disposeState(delta);
    const loss =
      survivors.reduce(
        (total, clientId) =>
          total +
          (advertised.responses.get(clientId)?.loss as number) *
            (advertised.responses.get(clientId)?.exampleCount as number),
        0,
      ) / exampleCount;
    return {
      global,
      participants: survivors,
      exampleCount,
      trainingLoss: loss,
      clippedUpdates: bounded.clipped ? 1 : 0,
    };
  } catch (error) {
    if (isTesseraError(error) && error.code.startsWith('E_SECURE_AGGREGATION_')) {
      throw roundFailure(context, error.message);
    }
    throw error;
  }
}

/** The server side of secure-aggregation rounds: it learns only the weighted sum of the updates. */
export function secureAggregationServerRoundStrategy(settings: SecureAggregationRoundSettings): ServerRoundStrategy {
  return {
    secureAggregation: true,
    roundConfig: {
      maxUpdateNorm: settings.maxUpdateNorm,
      secureAggregation: { fractionalBits: settings.fractionalBits },
    },
    run: (context) => runSecureRound(context, settings),
  };
}
