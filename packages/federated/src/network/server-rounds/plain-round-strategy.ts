import { disposeState } from '../../federated-averaging/model-state.js';
import { UpdateAggregator } from '../../federated-averaging/update-aggregator.js';
import type { ClientMessage } from '../messages.js';
import { decodeState } from '../model-transport.js';
import { reportPhase, roundFailure, sendTraining } from './round-phases.js';
import type { RoundContext, RoundOutcome, ServerRoundStrategy } from './server-round-strategy.js';

export interface PlainRoundSettings {
  /** L2 bound the server clips every received update to (undefined: no clipping). */
  maxUpdateNorm: number | undefined;
}

/**
 * Plain FedAvg over the network: every selected client gets the global model, trains and sends
 * its update; each update is checked, norm-clipped and folded in as it arrives. The round
 * completes with the clients that reported when at least `minimumClients` did.
 */
async function runPlainRound(context: RoundContext, settings: PlainRoundSettings): Promise<RoundOutcome> {
  const reached = sendTraining(context);
  const aggregator = new UpdateAggregator(
    context.global,
    settings.maxUpdateNorm === undefined ? {} : { maxUpdateNorm: settings.maxUpdateNorm },
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
    reportPhase(context, 'update', collected);
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

/** The server side of plain FedAvg rounds: it sees, checks and clips every update. */
export function plainServerRoundStrategy(settings: PlainRoundSettings): ServerRoundStrategy {
  return {
    secureAggregation: false,
    roundConfig: { maxUpdateNorm: settings.maxUpdateNorm ?? null, secureAggregation: null },
    run: (context) => runPlainRound(context, settings),
  };
}
