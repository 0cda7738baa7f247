import type { ServerRoundRecord } from './server-checkpoint.js';

/** What the server reports while it runs (for logs and progress); `onEvent` receives each. */
export type ServerEvent =
  | { type: 'listening'; url: string }
  | { type: 'resumed'; completedRounds: number }
  | { type: 'client-connected'; clientId: string }
  | { type: 'client-disconnected'; clientId: string; code: number }
  | { type: 'client-refused'; clientId: string | undefined; reason: string }
  | { type: 'client-message-refused'; clientId: string; reason: string }
  | { type: 'waiting-for-clients'; connected: number; needed: number }
  | { type: 'round-started'; round: number; attempt: number; clients: string[]; secureAggregation: boolean }
  | { type: 'phase-complete'; round: number; attempt: number; phase: string; responded: string[]; missing: string[] }
  | { type: 'update-refused'; round: number; clientId: string; reason: string }
  | { type: 'round-failed'; round: number; attempt: number; reason: string }
  | { type: 'round-complete'; record: ServerRoundRecord }
  | { type: 'finished'; rounds: number };
