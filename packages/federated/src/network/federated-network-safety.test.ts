import { initBackend, isTesseraError } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { disposeState } from '../federated-averaging/model-state.js';
import { ClientTokens, generateClientToken } from './client-authentication.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { FederatedServer, type FederatedServerOptions } from './federated-server.js';
import { encodeState } from './model-transport.js';
import type { ServerEvent } from './server-events.js';
import { clientTokens, localhostCertificate, startClient, tinyModel } from './test-helpers.js';

let tls: { certificate: string; privateKey: string };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tls = await localhostCertificate();
});

function createServer(tokens: Record<string, string>, overrides: Partial<FederatedServerOptions> = {}) {
  const model = tinyModel(1);
  const events: ServerEvent[] = [];
  const server = new FederatedServer({
    initialState: model.stateDict(),
    clients: tokens,
    rounds: 1,
    minimumClients: 2,
    tls,
    onEvent: (event) => void events.push(event),
    ...overrides,
  });
  model.dispose();
  return { server, events };
}

/** An authenticated WebSocket that does whatever the test says instead of following the protocol. */
function rawClient(url: string, clientId: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(url, {
    ca: tls.certificate,
    headers: { authorization: `Bearer ${token}`, 'x-tessera-client-id': clientId },
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closeCode = (socket: WebSocket) =>
  new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

describe('authentication and transport security', { timeout: 30_000 }, () => {
  it('refuses a wrong token and an unknown client id with E_FEDERATED_AUTH, without retrying', async () => {
    const tokens = clientTokens();
    const { server, events } = createServer(tokens);
    const { url } = await server.listen();
    const wrongToken = await startClient(
      0,
      url,
      { ...tokens, 'client-0': generateClientToken() },
      { ca: tls.certificate },
    ).done;
    expect(wrongToken.error).toMatchObject({ code: 'E_FEDERATED_AUTH' });
    expect(String(wrongToken.error)).toMatch(/refused client 'client-0' \(HTTP 401\)/);
    const stranger = await startClient(0, url, tokens, {
      ca: tls.certificate,
      clientId: 'intruder',
      token: tokens['client-1'],
    }).done;
    expect(stranger.error).toMatchObject({ code: 'E_FEDERATED_AUTH' });
    expect(events.filter((event) => event.type === 'client-refused')).toHaveLength(2);
    expect(server.connectedClients).toEqual([]);
    await server.close();
  });

  it('verifies the server certificate: without the CA the client fails with E_FEDERATED_TLS', async () => {
    const tokens = clientTokens();
    const { server } = createServer(tokens);
    const { url } = await server.listen();
    const { error } = await startClient(0, url, tokens).done;
    expect(error).toMatchObject({ code: 'E_FEDERATED_TLS' });
    expect(server.connectedClients).toEqual([]);
    await server.close();
  });

  it('will not serve without TLS unless told to', () => {
    const model = tinyModel();
    expect(() => new FederatedServer({ initialState: model.stateDict(), clients: clientTokens(), rounds: 1 })).toThrow(
      /E_FEDERATED_TLS: the server needs tls/,
    );
    model.dispose();
  });

  it('compares tokens in constant time over their hashes, and validates ids and tokens', () => {
    const tokens = new ClientTokens({ alpha: 'a'.repeat(20), beta: 'b'.repeat(40) });
    expect(tokens.verify('alpha', 'a'.repeat(20))).toBe(true);
    expect(tokens.verify('alpha', 'b'.repeat(40))).toBe(false);
    expect(tokens.verify('gamma', 'a'.repeat(20))).toBe(false);
    expect(tokens.verify(undefined, undefined)).toBe(false);
    expect(() => new ClientTokens({ alpha: 'short' })).toThrow(/at least 16 characters/);
    expect(() => new ClientTokens({ 'bad id': 'a'.repeat(20) })).toThrow(/client id 'bad id'/);
    expect(generateClientToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('misbehaving and slow clients', { timeout: 30_000 }, () => {
  it('closes a connection that sends more than maxPayloadBytes (1009) or a malformed message (1008)', async () => {
    const tokens = clientTokens();
    const { server, events } = createServer(tokens, { maxPayloadBytes: 1024 });
    const { url } = await server.listen();
    const large = await rawClient(url, 'client-0', tokens['client-0']!);
    const largeClosed = closeCode(large);
    large.send(new Uint8Array(4096));
    expect(await largeClosed).toBe(1009);

    const garbled = await rawClient(url, 'client-1', tokens['client-1']!);
    const garbledClosed = closeCode(garbled);
    garbled.send(encodeEnvelope({ type: 'update', round: 1, attempt: 1, exampleCount: -3, loss: 0 }));
    expect(await garbledClosed).toBe(1008);
    expect(events.find((event) => event.type === 'client-message-refused')).toMatchObject({
      clientId: 'client-1',
      reason: expect.stringMatching(/exampleCount must be a positive integer/),
    });
    await server.close();
  });

  it('completes a round without a client that never answers, once the training timeout passes', async () => {
    const tokens = clientTokens();
    const { server } = createServer(tokens, { trainingTimeoutSeconds: 1 });
    const { url } = await server.listen();
    const silent = await rawClient(url, 'client-2', tokens['client-2']!);
    const received: string[] = [];
    silent.on('message', (data) => received.push(String(decodeEnvelope(new Uint8Array(data as Buffer)).header.type)));
    const clients = [0, 1].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    await server.waitForClients(3);
    const { history } = await server.run();
    expect(history[0]).toMatchObject({ participants: ['client-0', 'client-1'], dropped: ['client-2'] });
    expect(received).toContain('train');
    await Promise.all(clients.map((client) => client.done));
    for (const { model } of clients) model.dispose();
    silent.close();
    await server.close();
  });

  it('retries a round that too few clients completed, then fails with E_FEDERATED_ROUND', async () => {
    const tokens = clientTokens();
    const { server, events } = createServer(tokens, { trainingTimeoutSeconds: 0.3, maxAttemptsPerRound: 2 });
    const { url } = await server.listen();
    const silent = await rawClient(url, 'client-2', tokens['client-2']!);
    const client = startClient(0, url, tokens, { ca: tls.certificate });
    await server.waitForClients(2);
    const failure = await server.run().catch((error: unknown) => error);
    expect(isTesseraError(failure, 'E_FEDERATED_ROUND')).toBe(true);
    expect(String(failure)).toMatch(/round 1 failed 2 times; last: .*1 clients reported, at least 2 are required/);
    expect(
      events.filter((event) => event.type === 'round-failed').map((event) => 'attempt' in event && event.attempt),
    ).toEqual([1, 2]);
    client.client.close();
    await client.done;
    client.model.dispose();
    silent.close();
    await server.close();
  });

  it('rejects an update that does not match the model and completes with the others', async () => {
    const tokens = clientTokens();
    const { server, events } = createServer(tokens, { trainingTimeoutSeconds: 5 });
    const { url } = await server.listen();
    const liar = await rawClient(url, 'client-2', tokens['client-2']!);
    liar.on('message', (data) => {
      const { header } = decodeEnvelope(new Uint8Array(data as Buffer));
      if (header.type !== 'train') return;
      // A valid safetensors payload with the wrong entries.
      const model = tinyModel(3);
      const wrong = { 'other.weight': model.stateDict()['0.weight']! };
      const message = { type: 'update', round: header.round, attempt: header.attempt, exampleCount: 5, loss: 1 };
      liar.send(encodeEnvelope(message, encodeState(wrong)));
      model.dispose();
    });
    const clients = [0, 1].map((index) => startClient(index, url, tokens, { ca: tls.certificate }));
    await server.waitForClients(3);
    const { history } = await server.run();
    expect(history[0]!.participants).toEqual(['client-0', 'client-1']);
    expect(events.find((event) => event.type === 'update-refused')).toMatchObject({
      clientId: 'client-2',
      reason: expect.stringMatching(/E_FEDERATED_UPDATE: the update does not match the model/),
    });
    await Promise.all(clients.map((client) => client.done));
    for (const { model } of clients) model.dispose();
    liar.close();
    await server.close();
  });

  it('validates server options', () => {
    const model = tinyModel();
    const base = { initialState: model.stateDict(), clients: clientTokens(), rounds: 1, tls };
    expect(() => new FederatedServer({ ...base, rounds: 0 })).toThrow(/rounds must be a positive integer/);
    expect(() => new FederatedServer({ ...base, minimumClients: 0 })).toThrow(
      /minimumClients must be an integer in \[1, 3\]/,
    );
    expect(() => new FederatedServer({ ...base, minimumClients: 4 })).toThrow(/\(the registered clients\), got 4/);
    expect(() => new FederatedServer({ ...base, clients: {} })).toThrow(
      /clients must map every client id to its token/,
    );
    expect(() => new FederatedServer({ ...base, secureAggregation: true, maxUpdateNorm: 5000 })).toThrow(
      /maxUpdateNorm 5000 must stay below the fixed-point range ±2048/,
    );
    const server = new FederatedServer({ ...base, secureAggregation: { fractionalBits: 16 } });
    disposeState(server.globalState);
    model.dispose();
  });
});
