import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { TesseraError } from '@tessera/core';
import { WebSocket, WebSocketServer } from 'ws';
import type { ClientTokens } from './client-authentication.js';
import { decodeEnvelope, encodeEnvelope, messageBytes } from './envelope.js';
import { type ClientMessage, parseClientMessage, type ServerMessage } from './messages.js';
import type { ServerEvent } from './server-events.js';

export interface ClientConnectionsOptions {
  tokens: ClientTokens;
  /** PEM certificate and key; plain HTTP/WS without them. */
  tls: { certificate: string | Buffer; privateKey: string | Buffer } | undefined;
  maxPayloadBytes: number;
  heartbeatSeconds: number;
  onConnect(clientId: string): void;
  onMessage(clientId: string, message: ClientMessage, payload: Uint8Array): void;
  onDisconnect(clientId: string): void;
  emit(event: ServerEvent): void;
}

interface Connection {
  socket: WebSocket;
  alive: boolean;
}

/** A WebSocket close reason must fit 123 bytes of UTF-8. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason, 'utf8') > 120) reason = reason.slice(0, -1);
  return reason;
}

/**
 * The server's transport: an HTTPS (or HTTP) server whose WebSocket upgrades are authenticated
 * with a per-client bearer token before the handshake completes (401 otherwise), one live
 * connection per client id (a reconnection replaces the old one), binary envelopes checked
 * before they reach the rounds (a malformed one closes the connection with 1008, an oversized
 * one with 1009), and pings that drop peers that vanished without closing.
 */
export class ClientConnections {
  private readonly options: ClientConnectionsOptions;
  private readonly connections = new Map<string, Connection>();
  private readonly http: HttpServer;
  private readonly sockets: WebSocketServer;
  private waiters: Array<() => void> = [];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(options: ClientConnectionsOptions) {
    this.options = options;
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      const health = request.url === '/health';
      response.writeHead(health ? 200 : 426, { 'content-type': 'text/plain' });
      response.end(health ? 'ok\n' : 'this is a Tessera federated server: connect with a WebSocket client\n');
    };
    this.http =
      options.tls !== undefined
        ? createHttpsServer({ cert: options.tls.certificate, key: options.tls.privateKey }, handler)
        : createHttpServer(handler);
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
    this.http.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
  }

  get connected(): string[] {
    return [...this.connections.keys()].sort();
  }

  async listen(host: string, port: number): Promise<{ url: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    const scheme = this.options.tls !== undefined ? 'wss' : 'ws';
    this.heartbeat = setInterval(() => this.checkHeartbeats(), 1000 * this.options.heartbeatSeconds);
    this.heartbeat.unref();
    return { url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`, port: bound };
  }

  /** Sends one envelope; false when the client is not connected. */
  send(clientId: string, message: ServerMessage, payload?: Uint8Array): boolean {
    const connection = this.connections.get(clientId);
    if (connection === undefined || connection.socket.readyState !== WebSocket.OPEN) return false;
    connection.socket.send(encodeEnvelope(message, payload));
    return true;
  }

  /** Resolves once at least `count` clients are connected. */
  async waitFor(count: number): Promise<void> {
    let announced = false;
    while (this.connections.size < count) {
      if (!announced)
        this.options.emit({ type: 'waiting-for-clients', connected: this.connections.size, needed: count });
      announced = true;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const { socket } of this.connections.values()) socket.close(1001, 'server shutting down');
    this.connections.clear();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    this.http.closeAllConnections?.();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const header = request.headers['x-tessera-client-id'];
    const authorization = request.headers.authorization;
    const token =
      typeof authorization === 'string' && authorization.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const clientId = typeof header === 'string' ? header : undefined;
    if (clientId === undefined || !this.options.tokens.verify(clientId, token)) {
      this.options.emit({ type: 'client-refused', clientId, reason: 'unknown client id or wrong token' });
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.accept(clientId, webSocket));
  }

  private accept(clientId: string, socket: WebSocket): void {
    const previous = this.connections.get(clientId);
    if (previous !== undefined) {
      // The client reconnected (e.g. after a network blip): the new connection wins.
      this.connections.delete(clientId);
      previous.socket.close(4000, 'replaced by a newer connection');
      this.options.onDisconnect(clientId);
    }
    const connection: Connection = { socket, alive: true };
    this.connections.set(clientId, connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        socket.close(1003, 'binary frames only');
        return;
      }
      let message: ClientMessage;
      let payload: Uint8Array;
      try {
        const envelope = decodeEnvelope(messageBytes(data as Buffer));
        message = parseClientMessage(envelope.header);
        payload = envelope.payload;
      } catch (error) {
        const reason = error instanceof TesseraError ? error.message : String(error);
        this.options.emit({ type: 'client-message-refused', clientId, reason });
        socket.close(1008, closeReason(reason));
        return;
      }
      this.options.onMessage(clientId, message, payload);
    });
    socket.on('close', (code) => {
      if (this.connections.get(clientId) === connection) {
        this.connections.delete(clientId);
        this.options.onDisconnect(clientId);
      }
      this.options.emit({ type: 'client-disconnected', clientId, code });
    });
    socket.on('error', () => undefined); // 'close' follows; an oversized message closes with 1009
    this.options.emit({ type: 'client-connected', clientId });
    this.options.onConnect(clientId);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** A peer that did not answer the last ping is gone without a FIN (power loss, cable): drop it. */
  private checkHeartbeats(): void {
    for (const connection of this.connections.values()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}
