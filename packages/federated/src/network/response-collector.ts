import type { ClientMessage } from './messages.js';

/** How a collector turns one client message into what the round keeps; throwing rejects the client. */
export type AcceptResponse<Value> = (clientId: string, message: ClientMessage, payload: Uint8Array) => Value;

export interface CollectedResponses<Value> {
  responses: Map<string, Value>;
  /** Clients whose answer was refused, with the reason. */
  rejected: Map<string, string>;
  /** Clients that disconnected, aborted or did not answer in time. */
  missing: string[];
}

/**
 * Waits for one message of `type` from each expected client of a round attempt. It resolves as
 * soon as every expected client has answered, been rejected, disconnected or aborted — a dead
 * client never costs the full timeout — and otherwise when the timeout fires, with whatever
 * arrived. The round logic then decides whether enough did.
 */
export class ResponseCollector<Value> {
  readonly done: Promise<CollectedResponses<Value>>;
  private readonly pending: Set<string>;
  private readonly responses = new Map<string, Value>();
  private readonly rejected = new Map<string, string>();
  private readonly missing: string[] = [];
  private resolve!: (result: CollectedResponses<Value>) => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    expected: Iterable<string>,
    readonly type: ClientMessage['type'],
    readonly round: number,
    readonly attempt: number,
    private readonly accept: AcceptResponse<Value>,
    timeoutMilliseconds: number,
  ) {
    this.pending = new Set(expected);
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.timer = setTimeout(() => {
      this.missing.push(...this.pending);
      this.pending.clear();
      this.finish();
    }, timeoutMilliseconds);
    this.finishIfComplete();
  }

  /** Offers a message; returns false when it is not for this collector (another round or phase). */
  offer(clientId: string, message: ClientMessage, payload: Uint8Array): boolean {
    if (message.round !== this.round || message.attempt !== this.attempt || !this.pending.has(clientId)) return false;
    if (message.type === 'abort') {
      this.drop(clientId);
      return true;
    }
    if (message.type !== this.type) return false;
    this.pending.delete(clientId);
    try {
      this.responses.set(clientId, this.accept(clientId, message, payload));
    } catch (error) {
      this.rejected.set(clientId, error instanceof Error ? error.message : String(error));
    }
    this.finishIfComplete();
    return true;
  }

  /** The client left (disconnected or aborted): stop waiting for it. */
  drop(clientId: string): void {
    if (!this.pending.delete(clientId)) return;
    this.missing.push(clientId);
    this.finishIfComplete();
  }

  private finishIfComplete(): void {
    if (this.pending.size === 0) this.finish();
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.resolve({ responses: this.responses, rejected: this.rejected, missing: this.missing });
  }
}
