import { initBackend, isTesseraError } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { generateClientToken } from '../client-authentication.js';
import { decodeEnvelope } from '../envelope.js';
import { FederatedServer, type FederatedServerOptions } from '../federated-server.js';
import type { RoundConfig } from '../messages.js';
import type { ServerEvent } from '../server-events.js';
import { tinyModel } from '../test-helpers.js';
import { serverRoundStrategy } from './server-round-strategies.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('serverRoundStrategy', () => {
  it('runs plain rounds unless secure aggregation is asked for, passing maxUpdateNorm through', () => {
    for (const options of [{}, { secureAggregation: false }]) {
      const strategy = serverRoundStrategy(options);
      expect(strategy.secureAggregation).toBe(false);
      expect(strategy.roundConfig).toEqual({ maxUpdateNorm: null, secureAggregation: null });
    }
    expect(serverRoundStrategy({ maxUpdateNorm: 3 }).roundConfig).toEqual({
      maxUpdateNorm: 3,
      secureAggregation: null,
    });
    expect(() => serverRoundStrategy({ maxUpdateNorm: -1 })).toThrow(/maxUpdateNorm must be a finite number > 0/);
  });

  it('under secure aggregation bounds updates by half the fixed-point range 2^(31 − f) by default', () => {
    const defaults = serverRoundStrategy({ secureAggregation: true });
    expect(defaults.secureAggregation).toBe(true);
    expect(defaults.roundConfig).toEqual({ maxUpdateNorm: 2 ** 11 / 2, secureAggregation: { fractionalBits: 20 } });
    expect(serverRoundStrategy({ secureAggregation: { fractionalBits: 16 } }).roundConfig).toEqual({
      maxUpdateNorm: 2 ** 15 / 2,
      secureAggregation: { fractionalBits: 16 },
    });
    expect(serverRoundStrategy({ secureAggregation: {}, maxUpdateNorm: 7 }).roundConfig.maxUpdateNorm).toBe(7);
    const tooLarge = () => serverRoundStrategy({ secureAggregation: true, maxUpdateNorm: 2048 });
    expect(tooLarge).toThrow(/maxUpdateNorm 2048 must stay below the fixed-point range ±2048/);
    let error: unknown;
    try {
      serverRoundStrategy({ secureAggregation: { fractionalBits: 31 } });
    } catch (caught) {
      error = caught;
    }
    expect(isTesseraError(error, 'E_SECURE_AGGREGATION_OPTIONS')).toBe(true);
  });
});

/** Starts a one-client server, connects a client that only records the 'train' message, and drops it. */
async function firstTrainMessage(overrides: Partial<FederatedServerOptions>) {
  const token = generateClientToken();
  const model = tinyModel(1);
  const events: ServerEvent[] = [];
  const server = new FederatedServer({
    initialState: model.stateDict(),
    clients: { 'client-0': token },
    rounds: 1,
    minimumClients: 1,
    localEpochs: 3,
    localBatchSize: 5,
    proximalStrength: 0.25,
    maxAttemptsPerRound: 1,
    allowInsecureHttp: true,
    onEvent: (event) => void events.push(event),
    ...overrides,
  });
  model.dispose();
  const { url } = await server.listen();
  const socket = new WebSocket(url, {
    headers: { authorization: `Bearer ${token}`, 'x-tessera-client-id': 'client-0' },
  });
  const train = new Promise<Record<string, unknown>>((resolve) =>
    socket.on('message', (data) => {
      const { header } = decodeEnvelope(new Uint8Array(data as Buffer));
      if (header.type === 'train') {
        resolve(header);
        socket.close();
      }
    }),
  );
  await server.waitForClients(1);
  const run = server.run().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  const header = await train;
  // Without the client the attempt fails, and with one attempt allowed so does the run.
  const failure = await run;
  await server.close();
  return { header, failure, events };
}

describe('the round config each kind of round sends', { timeout: 30_000 }, () => {
  it('plain rounds send no secure-aggregation settings', async () => {
    const { header, failure, events } = await firstTrainMessage({ maxUpdateNorm: 2.5 });
    const expected: RoundConfig = {
      localEpochs: 3,
      localBatchSize: 5,
      proximalStrength: 0.25,
      maxUpdateNorm: 2.5,
      secureAggregation: null,
    };
    expect(header).toEqual({ type: 'train', round: 1, attempt: 1, config: expected });
    expect(Object.keys(header.config as object)).toEqual(Object.keys(expected));
    expect(events.find((event) => event.type === 'round-started')).toMatchObject({ secureAggregation: false });
    expect(isTesseraError(failure, 'E_FEDERATED_ROUND')).toBe(true);
    expect(String(failure)).toMatch(/0 clients reported, at least 1 are required/);
  });

  it('secure rounds send the fractional bits and the bound clients clip to', async () => {
    const { header, failure, events } = await firstTrainMessage({
      secureAggregation: { fractionalBits: 18 },
      localBatchSize: Number.POSITIVE_INFINITY,
    });
    const expected: RoundConfig = {
      localEpochs: 3,
      localBatchSize: null,
      proximalStrength: 0.25,
      maxUpdateNorm: 2 ** 13 / 2,
      secureAggregation: { fractionalBits: 18 },
    };
    expect(header).toEqual({ type: 'train', round: 1, attempt: 1, config: expected });
    expect(Object.keys(header.config as object)).toEqual(Object.keys(expected));
    expect(events.find((event) => event.type === 'round-started')).toMatchObject({ secureAggregation: true });
    expect(isTesseraError(failure, 'E_FEDERATED_ROUND')).toBe(true);
    expect(String(failure)).toMatch(/0 clients advertised keys, at least 2 are required/);
  });
});
