/**
 * Resolves after the event loop has had a turn: I/O, timers and messages queued meanwhile run
 * first. A resolved promise (a microtask) would not let them, so a long generation would hold the
 * thread: a server could not answer health checks, a worker could not receive a stop message.
 * Node has setImmediate; browsers and workers get a MessageChannel round trip (setTimeout(0)
 * is clamped to 4 ms once nested).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    // The browser's MessagePort (Node's types describe worker_threads' one, which this path never sees).
    const port = channel.port1 as unknown as { onmessage: (() => void) | null; close(): void };
    port.onmessage = () => {
      port.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
