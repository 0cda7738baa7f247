import { isTesseraError, TesseraError, type tf } from '@tessera/core';
import {
  averagedEntryNames,
  disposeState,
  type ModelState,
  stateNorm,
  unflattenState,
} from '../federated-averaging/model-state.js';
import { applyDelta, UpdateAggregator } from '../federated-averaging/update-aggregator.js';
import { clipUpdate } from '../federated-averaging/update-clipping.js';
import {
  type AdvertisedKeys,
  decodeBase64Key,
  type EncryptedShare,
  type UnmaskingShares,
} from '../secure-aggregation/protocol-messages.js';
import { SecureAggregationServer } from '../secure-aggregation/secure-aggregation-server.js';
import type { ClientMessage, RoundConfig, ServerMessage } from './messages.js';
import { decodeMaskedInput, decodeState, encodeState } from './model-transport.js';
import type { AcceptResponse, CollectedResponses } from './response-collector.js';
import type { ServerEvent } from './server-events.js';

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
  maxUpdateNorm: number | undefined;
  dropoutTolerance: number;
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

function roundFailure(context: RoundContext, detail: string): TesseraError {
  return new TesseraError('E_FEDERATED_ROUND', `round ${context.round} attempt ${context.attempt}: ${detail}`);
}

function report(context: RoundContext, phase: string, collected: CollectedResponses<unknown>): void {
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

function sendTraining(context: RoundContext): string[] {
  const modelBytes = encodeState(context.global, { round: String(context.round) });
  const { round, attempt, config } = context;
  return context.selected.filter((clientId) =>
    context.send(clientId, { type: 'train', round, attempt, config }, modelBytes),
  );
}

/**
 * Plain FedAvg over the network: every selected client gets the global model, trains and sends
 * its update; each update is checked, norm-clipped and folded in as it arrives. The round
 * completes with the clients that reported when at least `minimumClients` did.
 */
export async function runPlainRound(context: RoundContext): Promise<RoundOutcome> {
  const reached = sendTraining(context);
  const aggregator = new UpdateAggregator(
    context.global,
    context.maxUpdateNorm === undefined ? {} : { maxUpdateNorm: context.maxUpdateNorm },
  );
  try {
    const collected = await context.collect(
      reached,
      'update',
      (_, message, payload) => {
        const { exampleCount, loss } = message as Extract<ClientMessage, { type: 'update' }>;
        const delta = decodeState(payload);
        try {
          return { ...aggregator.add({ delta, exampleCount }), exampleCount, loss };
        } finally {
          disposeState(delta);
        }
      },
      context.trainingTimeoutMilliseconds,
    );
    report(context, 'update', collected);
    const participants = [...collected.responses.keys()].sort();
    if (participants.length < context.minimumClients) {
      throw roundFailure(
        context,
        `${participants.length} clients reported, at least ${context.minimumClients} are required`,
      );
    }
    const updates = [...collected.responses.values()];
    const exampleCount = updates.reduce((total, update) => total + update.exampleCount, 0);
    return {
      global: aggregator.applyTo(context.global),
      participants,
      exampleCount,
      trainingLoss: updates.reduce((total, update) => total + update.loss * update.exampleCount, 0) / exampleCount,
      clippedUpdates: updates.filter((update) => update.clipped).length,
    };
  } finally {
    aggregator.reset();
  }
}

/**
 * FedAvg through secure aggregation: the server learns only Σ_{U3} (n_u / N) Δ_u, where N is the
 * example count of everyone who advertised keys, and divides by Σ_{U3} n_u / N (it knows the
 * counts) to get the weighted mean update. It cannot clip individual updates it never sees:
 * honest clients clip their own to maxUpdateNorm, and the server clips the aggregate to the same
 * bound — a weighted mean of vectors of norm ≤ B has norm ≤ B, so a poisoned client can move the
 * global model by at most B per round in total.
 */
export async function runSecureRound(context: RoundContext, fractionalBits: number): Promise<RoundOutcome> {
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
  report(context, 'advertise-keys', advertised);
  const secure = new SecureAggregationServer({
    vectorLength,
    dropoutTolerance: context.dropoutTolerance,
    fractionalBits,
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
    report(context, 'encrypted-shares', shared);
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
    report(context, 'masked-input', masked);
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
    report(context, 'unmask-shares', unmasking);
    const { sum } = secure.unmask(unmasking.responses);

    const counts = survivors.map((clientId) => advertised.responses.get(clientId)?.exampleCount as number);
    const exampleCount = counts.reduce((total, count) => total + count, 0);
    const weightSum = exampleCount / totalExamples;
    const average = Float32Array.from(sum, (value) => value / weightSum);
    const delta = unflattenState(average, context.global);
    const norm = stateNorm(delta);
    const bounded =
      context.maxUpdateNorm === undefined ? { delta, clipped: false } : clipUpdate(delta, context.maxUpdateNorm, norm);
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
