/** What a client reports while it runs; `onEvent` receives each and may be async (it is awaited). */
export type ClientEvent =
  | { type: 'connected'; url: string }
  | { type: 'disconnected'; code: number; reason: string }
  | { type: 'reconnecting'; attempt: number; delaySeconds: number; reason: string }
  | { type: 'training-started'; round: number; attempt: number; secureAggregation: boolean }
  | { type: 'update-sent'; round: number; attempt: number; exampleCount: number; loss: number }
  | { type: 'keys-advertised'; round: number; attempt: number; exampleCount: number; loss: number }
  | { type: 'shares-sent'; round: number; attempt: number; peers: number }
  | { type: 'masked-input-sent'; round: number; attempt: number }
  | { type: 'unmasking-shares-sent'; round: number; attempt: number; survivors: number }
  | { type: 'round-complete'; round: number; participants: number }
  | { type: 'round-aborted'; round: number; attempt: number; reason: string }
  | { type: 'finished'; rounds: number };
