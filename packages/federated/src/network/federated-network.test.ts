import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { cloneState, disposeState } from '../federated-averaging/model-state.js';
import type { EncryptedShare, SecureAggregationRoster } from '../secure-aggregation/protocol-messages.js';
import { SecureAggregationClient } from '../secure-aggregation/secure-aggregation-client.js';
import type { ClientEvent } from './client-events.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { FederatedServer, type FederatedServerOptions } from './federated-server.js';
import { encodeMaskedInput } from './model-transport.js';
import type { ServerEvent } from './server-events.js';
import {
  clientTokens,
  expectedRound,
  localhostCertificate,
  maxDifference,
  startClient,
  tinyModel,
} from './test-helpers.js';

let tls: { certificate: string; privateKey: string };
const directories: string[] = [];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tls = await localhostCertificate();
});

afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'tessera-federated-'));
  directories.push(directory);
  return directory;
}

function createServer(tokens: Record<string, string>, overrides: Partial<FederatedServerOptions> = {}) {
  const initial = tinyModel(1);
  const events: ServerEvent[] = [];
  const server = new FederatedServer({
    initialState: initial.stateDict(),
    clients: tokens,
    rounds: 2,
    minimumClients: 2,
    localEpochs: 2,
    localBatchSize: 4,
    tls,
    onEvent: (event) => void events.push(event),
    ...overrides,
  });
  const initialState = cloneState(initial.stateDict());
  initial.dispose();
  return { server, events, initialState };
}

/** Closes this client's connection the moment it reaches `when` in `round` (a dropout). */
function dropAt(when: ClientEvent['type'], round: number, close: () => void) {
  return async (event: ClientEvent) => {
    if (event.type === when && 'round' in event && event.round === round) close();
  };
}

// Whole rounds with training: generous limits for slow, shared CI machines.
describe('FederatedServer and FederatedClient over TLS', { timeout: 30_000 }, () => {
  it('run plain FedAvg rounds whose global model matches the in-process computation', async () => {
    const tokens = clientTokens();
    const { server, initialState } = createServer(tokens);
    const { url } = await server.listen();
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const clients = [0, 1, 2].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    await server.waitForClients(3);
    const { history } = await server.run();
    const results = await Promise.all(clients.map((client) => client.done));
    expect(results.map((result) => result.result?.roundsTrained)).toEqual([2, 2, 2]);
    expect(history.map((record) => record.participants)).toEqual([
      ['client-0', 'client-1', 'client-2'],
      ['client-0', 'client-1', 'client-2'],
    ]);
    expect(history[0]!.exampleCount).toBe(30);

    const afterFirst = await expectedRound(initialState, [0, 1, 2], 1, { localEpochs: 2, localBatchSize: 4 });
    const afterSecond = await expectedRound(afterFirst, [0, 1, 2], 2, { localEpochs: 2, localBatchSize: 4 });
    expect(maxDifference(server.globalState, afterSecond)).toBeLessThan(1e-5);
    for (const state of [initialState, afterFirst, afterSecond]) disposeState(state);
    for (const { model } of clients) model.dispose();
    await server.close();
  });

  it('keeps tf.memory() flat across rounds (server and clients in one process)', async () => {
    const tokens = clientTokens();
    const counts: number[] = [];
    const { server, initialState } = createServer(tokens, {
      rounds: 4,
      maxUpdateNorm: 0.5,
      onEvent: (event) => {
        if (event.type === 'round-complete') counts.push(tf.memory().numTensors);
      },
    });
    const { url } = await server.listen();
    const clients = [0, 1, 2].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    await server.waitForClients(3);
    await server.run();
    await Promise.all(clients.map((client) => client.done));
    expect(counts).toHaveLength(4);
    expect(new Set(counts.slice(1)).size).toBe(1);
    disposeState(initialState);
    for (const { model } of clients) model.dispose();
    await server.close();
  });

  it('secure aggregation: a client killed after masking still counts, and the round completes', async () => {
    const tokens = clientTokens();
    const { server, events, initialState } = createServer(tokens, { secureAggregation: { dropoutTolerance: 1 } });
    const { url } = await server.listen();
    const clients = [0, 1].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    const victim = startClient(2, url, tokens, {
      ca: tls.certificate,
      onEvent: dropAt('masked-input-sent', 1, () => victim.client.close()),
    });
    await server.waitForClients(3);
    const { history } = await server.run();
    // Round 1 aggregates all three inputs (the victim's self mask was reconstructed from shares);
    // round 2 runs with the two clients left.
    expect(history.map((record) => record.participants)).toEqual([
      ['client-0', 'client-1', 'client-2'],
      ['client-0', 'client-1'],
    ]);
    expect(history.every((record) => record.secureAggregation)).toBe(true);
    const unmasked = events.find(
      (event) => event.type === 'phase-complete' && event.phase === 'unmask-shares' && event.round === 1,
    );
    expect(unmasked).toMatchObject({ responded: ['client-0', 'client-1'], missing: ['client-2'] });

    const afterFirst = await expectedRound(initialState, [0, 1, 2], 1, { localEpochs: 2, localBatchSize: 4 });
    const afterSecond = await expectedRound(afterFirst, [0, 1], 2, { localEpochs: 2, localBatchSize: 4 });
    // Fixed point: 2^-21 per client and coordinate, divided by the survivors' weight (2/3 of N at worst).
    expect(maxDifference(server.globalState, afterSecond)).toBeLessThan(1e-5);
    expect((await victim.done).error).toMatchObject({ code: 'E_FEDERATED_STOPPED' });
    await Promise.all(clients.map((client) => client.done));
    for (const state of [initialState, afterFirst, afterSecond]) disposeState(state);
    for (const { model } of [...clients, victim]) model.dispose();
    await server.close();
  });

  it('secure aggregation: a client lost after sharing keys is left out, its pairwise masks removed', async () => {
    const tokens = clientTokens();
    const { server, initialState } = createServer(tokens, { rounds: 1, secureAggregation: true });
    const { url } = await server.listen();
    const clients = [0, 1].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    const victim = startClient(2, url, tokens, {
      ca: tls.certificate,
      onEvent: dropAt('shares-sent', 1, () => victim.client.close()),
    });
    await server.waitForClients(3);
    const { history } = await server.run();
    expect(history[0]).toMatchObject({ participants: ['client-0', 'client-1'], dropped: ['client-2'] });
    const expected = await expectedRound(initialState, [0, 1], 1, { localEpochs: 2, localBatchSize: 4 });
    expect(maxDifference(server.globalState, expected)).toBeLessThan(1e-5);
    await Promise.all([...clients, victim].map((client) => client.done));
    disposeState(initialState);
    disposeState(expected);
    for (const { model } of [...clients, victim]) model.dispose();
    await server.close();
  });

  it('secure aggregation: the server clips the aggregate, bounding a poisoned client it cannot see', async () => {
    const tokens = clientTokens();
    const { server, initialState } = createServer(tokens, { rounds: 1, secureAggregation: true, maxUpdateNorm: 0.05 });
    const { url } = await server.listen();
    const honest = [0, 1].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    // A client that follows the protocol but skips the clipping and masks a huge update.
    const socket = new WebSocket(url, {
      ca: tls.certificate,
      headers: { authorization: `Bearer ${tokens['client-2']}`, 'x-tessera-client-id': 'client-2' },
    });
    const poisoned = new SecureAggregationClient({ clientId: 'client-2' });
    socket.on('message', (data) => {
      const { header } = decodeEnvelope(new Uint8Array(data as Buffer));
      const address = { round: header.round as number, attempt: header.attempt as number };
      const reply = (message: object, payload?: Uint8Array) =>
        socket.send(encodeEnvelope({ ...message, ...address }, payload));
      if (header.type === 'train') {
        reply({ type: 'advertise-keys', exampleCount: 1000, loss: 0, keys: poisoned.advertiseKeys() });
      } else if (header.type === 'share-keys') {
        reply({ type: 'encrypted-shares', shares: poisoned.shareKeys(header.roster as SecureAggregationRoster) });
      } else if (header.type === 'masked-input-request') {
        const huge = new Float32Array(15).fill(500);
        const masked = poisoned.maskInput(huge, header.shares as EncryptedShare[], header.maskingSet as string[]);
        reply({ type: 'masked-input' }, encodeMaskedInput(masked));
      } else if (header.type === 'unmask-request') {
        reply({ type: 'unmask-shares', unmasking: poisoned.unmask(header.survivors as string[]) });
      }
    });
    await server.waitForClients(3);
    const { history } = await server.run();
    expect(history[0]).toMatchObject({ participants: ['client-0', 'client-1', 'client-2'], clippedUpdates: 1 });
    const change = tf.tidy(() =>
      Math.sqrt(
        Object.keys(initialState)
          .map(
            (name) => tf.sum(tf.square(tf.sub(server.globalState[name]!, initialState[name]!))).dataSync()[0] as number,
          )
          .reduce((total, value) => total + value, 0),
      ),
    );
    expect(change).toBeLessThanOrEqual(0.05 + 1e-5);
    expect(change).toBeGreaterThan(0.049);
    socket.close();
    await Promise.all(honest.map((client) => client.done));
    disposeState(initialState);
    for (const { model } of honest) model.dispose();
    await server.close();
  });

  it('checkpoints after every round and resumes from the last one after a restart', async () => {
    const tokens = clientTokens();
    const directory = await temporaryDirectory();
    const first = createServer(tokens, { rounds: 1, checkpointDirectory: directory });
    const firstUrl = (await first.server.listen()).url;
    const firstClients = [0, 1, 2].map((index) => startClient(index, firstUrl, tokens, { ca: tls.certificate }));
    await first.server.waitForClients(3);
    await first.server.run();
    await Promise.all(firstClients.map((client) => client.done));
    const roundOne = cloneState(first.server.globalState);
    await first.server.close();
    const saved = JSON.parse(await readFile(join(directory, 'server-state.json'), 'utf8'));
    expect(saved).toMatchObject({ completedRounds: 1, modelFile: 'global-model-round-000001.safetensors' });

    // A new server on the same directory (as after a crash), asked for 2 rounds in total.
    const second = createServer(tokens, { rounds: 2, checkpointDirectory: directory });
    const secondUrl = (await second.server.listen()).url;
    const secondClients = [0, 1, 2].map((index) => startClient(index, secondUrl, tokens, { ca: tls.certificate }));
    await second.server.waitForClients(3);
    const { history } = await second.server.run();
    await Promise.all(secondClients.map((client) => client.done));
    expect(second.events.find((event) => event.type === 'resumed')).toEqual({ type: 'resumed', completedRounds: 1 });
    expect(history.map((record) => record.round)).toEqual([1, 2]);
    const expected = await expectedRound(roundOne, [0, 1, 2], 2, { localEpochs: 2, localBatchSize: 4 });
    expect(maxDifference(second.server.globalState, expected)).toBeLessThan(1e-5);
    for (const state of [first.initialState, second.initialState, roundOne, expected]) disposeState(state);
    for (const { model } of [...firstClients, ...secondClients]) model.dispose();
    await second.server.close();
  });
});
