import { TesseraError } from '@tessera/core';
import type { ModelState } from '../federated-averaging/model-state.js';
import type { ServerEvent } from './server-events.js';

export interface SecureAggregationSettings {
  /** Clients that may drop out after advertising keys (default 1; see SecureAggregationServer). */
  dropoutTolerance?: number;
  /** Fixed-point fractional bits (default 20: resolution 9.5e−7, sums within ±2048). */
  fractionalBits?: number;
}

export interface FederatedServerOptions {
  /** The initial global model, e.g. `model.stateDict()` (copied). A checkpoint, when present, wins. */
  initialState: ModelState;
  /** Every client id with its secret token (see generateClientToken). */
  clients: Record<string, string>;
  /** Rounds to complete in total, counting those done before a restart. */
  rounds: number;
  /** C: fraction of the connected clients selected per round (default 1). */
  clientFraction?: number;
  /** A round needs this many clients to start and this many reports to complete (default 2). */
  minimumClients?: number;
  /** E (default 1). */
  localEpochs?: number;
  /** B (default 10); Infinity for full-batch local steps. */
  localBatchSize?: number;
  /** FedProx's μ sent to clients (default 0). */
  proximalStrength?: number;
  /**
   * L2 bound on a client's update. Plain mode: the server clips every update it receives.
   * Secure aggregation: clients clip their own and the server clips the aggregate; defaults to
   * half the fixed-point range (1024 with 20 fractional bits) so masked sums never wrap around.
   */
  maxUpdateNorm?: number;
  /** Aggregate with Bonawitz et al.'s secure aggregation (`true` for the defaults). */
  secureAggregation?: boolean | SecureAggregationSettings;
  /** Where the server checkpoints after every round and resumes from after a restart. */
  checkpointDirectory?: string;
  /** PEM certificate and key for HTTPS/WSS. Required unless allowInsecureHttp is set. */
  tls?: { certificate: string | Buffer; privateKey: string | Buffer };
  /** Serve plain HTTP/WS (only behind a TLS-terminating proxy, or in tests). Default false. */
  allowInsecureHttp?: boolean;
  /** Default '127.0.0.1'; '0.0.0.0' to accept remote clients. */
  host?: string;
  /** Default 0: any free port (see the URL `listen` returns). */
  port?: number;
  /** Largest message a client may send (default: twice the model's float32 size plus 1 MiB). */
  maxPayloadBytes?: number;
  /** How long clients may take to train and report (default 600). */
  trainingTimeoutSeconds?: number;
  /** How long each secure-aggregation exchange may take (default 60). */
  phaseTimeoutSeconds?: number;
  /** Attempts per round before `run` gives up with E_FEDERATED_ROUND (default 5). */
  maxAttemptsPerRound?: number;
  /** Seconds between WebSocket pings that detect silently dead peers (default 20). */
  heartbeatSeconds?: number;
  /** Seed of client selection (default 0). */
  seed?: number;
  /** Metrics of the new global model after each round (stored in the round record). */
  evaluate?: (global: ModelState, round: number) => Record<string, number> | Promise<Record<string, number>>;
  onEvent?: (event: ServerEvent) => void;
}

/** A finite number > 0, or E_FEDERATED_OPTIONS naming the option. */
export function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new TesseraError('E_FEDERATED_OPTIONS', `${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}
