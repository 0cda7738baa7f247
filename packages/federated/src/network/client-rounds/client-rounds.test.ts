import { classificationTask, initBackend, type tf } from '@tessera/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { disposeState } from '../../federated-averaging/model-state.js';
import type { ClientEvent } from '../client-events.js';
import { decodeEnvelope, encodeEnvelope } from '../envelope.js';
import { FederatedClient, type FederatedClientOptions } from '../federated-client.js';
import type { RoundConfig } from '../messages.js';
import { decodeState, encodeState } from '../model-transport.js';
import { CLIENT_SIZES, clientData, createOptimizer, tinyModel } from '../test-helpers.js';

/**
 * The client's side of each kind of round, against a scripted server that speaks the protocol of
 * messages.ts directly: which messages the client answers, with what, and which it refuses.
 */

interface Received {
  header: Record<string, unknown>;
  payload: Uint8Array;
}

/** A one-connection WebSocket server whose test script sends messages and awaits the client's. */
async function scriptedServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const inbox: Received[] = [];
  const waiting: Array<(message: Received) => void> = [];
  let socket: WebSocket | undefined;
  const connected = new Promise<WebSocket>((resolve) =>
    server.once('connection', (connection) => {
      socket = connection;
      connection.on('message', (data) => {
        const { header, payload } = decodeEnvelope(new Uint8Array(data as Buffer));
        const message = { header, payload: new Uint8Array(payload) };
        const wake = waiting.shift();
        if (wake !== undefined) wake(message);
        else inbox.push(message);
      });
      resolve(connection);
    }),
  );
  const address = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${address.port}`,
    connected,
    send(header: object, payload?: Uint8Array) {
      socket?.send(encodeEnvelope(header, payload));
    },
    next(): Promise<Received> {
      const queued = inbox.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
    pending: () => inbox.length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const plainConfig: RoundConfig = {
  localEpochs: 1,
  localBatchSize: 4,
  proximalStrength: 0,
  maxUpdateNorm: null,
  secureAggregation: null,
};

const servers: Array<{ close(): Promise<void> }> = [];
const models: Array<{ dispose(): void }> = [];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const model of models.splice(0)) model.dispose();
});

function startClient(url: string, overrides: Partial<FederatedClientOptions<unknown, Record<string, tf.Tensor>>> = {}) {
  const model = tinyModel(7);
  models.push(model);
  const events: ClientEvent[] = [];
  const client = new FederatedClient({
    url,
    clientId: 'client-0',
    token: 'a-token-of-sixteen-characters',
    model,
    task: classificationTask(),
    dataset: clientData(0, CLIENT_SIZES[0] as number),
    createOptimizer,
    reconnectAttempts: 0,
    onEvent: (event) => void events.push(event),
    ...overrides,
  } as FederatedClientOptions<unknown, Record<string, tf.Tensor>>);
  const done = client.run().then(
    (result) => ({ result, error: undefined as unknown }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { client, events, done };
}

function globalModelBytes(): Uint8Array {
  const model = tinyModel(1);
  const bytes = encodeState(model.stateDict());
  model.dispose();
  return bytes;
}

describe('the client side of plain and secure rounds', { timeout: 30_000 }, () => {
  it('refuses a plain round when it requires secure aggregation, before training', async () => {
    const server = await scriptedServer();
    servers.push(server);
    const { events, done } = startClient(server.url, { requireSecureAggregation: true });
    await server.connected;
    server.send({ type: 'train', round: 1, attempt: 1, config: plainConfig }, globalModelBytes());
    const answer = await server.next();
    expect(answer.header).toEqual({
      type: 'abort',
      round: 1,
      attempt: 1,
      reason: 'this client requires secure aggregation',
    });
    expect((await done).error).toMatchObject({ code: 'E_FEDERATED_SECURE_AGGREGATION_REQUIRED' });
    expect(events.some((event) => event.type === 'training-started')).toBe(false);
  });

  it('in a plain round sends its update, aborts on secure-aggregation messages and ignores stale attempts', async () => {
    const server = await scriptedServer();
    servers.push(server);
    const { events, done } = startClient(server.url);
    await server.connected;

    server.send({ type: 'train', round: 1, attempt: 1, config: plainConfig }, globalModelBytes());
    const update = await server.next();
    expect(update.header).toMatchObject({ type: 'update', round: 1, attempt: 1, exampleCount: CLIENT_SIZES[0] });
    expect(typeof update.header.loss).toBe('number');
    const delta = decodeState(update.payload);
    expect(Object.keys(delta).sort()).toEqual(['0.bias', '0.weight']);
    disposeState(delta);
    server.send({
      type: 'share-keys',
      round: 1,
      attempt: 1,
      roster: { session: 'x', threshold: 2, clients: [] },
      totalExamples: 30,
    });
    expect((await server.next()).header).toEqual({
      type: 'abort',
      round: 1,
      attempt: 1,
      reason: 'E_FEDERATED_MESSAGE: a secure-aggregation message arrived in a plain round',
    });

    server.send({ type: 'train', round: 1, attempt: 2, config: plainConfig }, globalModelBytes());
    expect((await server.next()).header).toMatchObject({ type: 'update', round: 1, attempt: 2 });
    // An answer to the abandoned attempt 1 is ignored; the current one is then refused.
    server.send({ type: 'unmask-request', round: 1, attempt: 1, survivors: ['client-0'] });
    server.send({ type: 'masked-input-request', round: 1, attempt: 2, maskingSet: ['client-0'], shares: [] });
    expect((await server.next()).header).toEqual({
      type: 'abort',
      round: 1,
      attempt: 2,
      reason: 'E_FEDERATED_MESSAGE: a masked input was requested before a valid roster',
    });

    server.send({ type: 'train', round: 1, attempt: 3, config: plainConfig }, globalModelBytes());
    expect((await server.next()).header).toMatchObject({ type: 'update', round: 1, attempt: 3 });
    server.send({ type: 'round-complete', round: 1, attempt: 3, participants: 2 });
    server.send({ type: 'finished', rounds: 1 });
    expect((await done).result).toEqual({ roundsTrained: 1 });
    expect(server.pending()).toBe(0);
    expect(events.filter((event) => event.type === 'round-aborted').map((event) => event.type)).toHaveLength(2);
    expect(events.filter((event) => event.type === 'training-started')).toEqual([
      { type: 'training-started', round: 1, attempt: 1, secureAggregation: false },
      { type: 'training-started', round: 1, attempt: 2, secureAggregation: false },
      { type: 'training-started', round: 1, attempt: 3, secureAggregation: false },
    ]);
    expect(events.filter((event) => event.type === 'update-sent')).toHaveLength(3);
    expect(events.at(-1)).toEqual({ type: 'finished', rounds: 1 });
  });

  it('in a secure round advertises keys instead of an update, and needs the roster before masking', async () => {
    const server = await scriptedServer();
    servers.push(server);
    const { events, done } = startClient(server.url, { requireSecureAggregation: true });
    await server.connected;
    const secureConfig: RoundConfig = {
      ...plainConfig,
      maxUpdateNorm: 1024,
      secureAggregation: { fractionalBits: 20 },
    };
    server.send({ type: 'train', round: 1, attempt: 1, config: secureConfig }, globalModelBytes());
    const advertised = await server.next();
    expect(advertised.header).toMatchObject({
      type: 'advertise-keys',
      round: 1,
      attempt: 1,
      exampleCount: CLIENT_SIZES[0],
      keys: { clientId: 'client-0' },
    });
    expect(advertised.payload.length).toBe(0);
    const keys = advertised.header.keys as Record<string, string>;
    expect(Buffer.from(keys.encryptionPublicKey as string, 'base64')).toHaveLength(32);
    expect(Buffer.from(keys.maskingPublicKey as string, 'base64')).toHaveLength(32);
    expect(events.find((event) => event.type === 'training-started')).toEqual({
      type: 'training-started',
      round: 1,
      attempt: 1,
      secureAggregation: true,
    });
    expect(events.at(-1)).toMatchObject({ type: 'keys-advertised', round: 1, attempt: 1 });

    server.send({ type: 'masked-input-request', round: 1, attempt: 1, maskingSet: ['client-0'], shares: [] });
    expect((await server.next()).header).toEqual({
      type: 'abort',
      round: 1,
      attempt: 1,
      reason: 'E_FEDERATED_MESSAGE: a masked input was requested before a valid roster',
    });
    server.send({ type: 'finished', rounds: 1 });
    expect((await done).result).toEqual({ roundsTrained: 0 });
  });
});
