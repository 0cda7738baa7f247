import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateClientToken } from './client-authentication.js';
import { localhostCertificate } from './test-helpers.js';

/**
 * The networked mode as deployed: a server process and client processes on loopback, over TLS,
 * running the BUILT package (turbo builds it before `npm test`). These are the processes a crash
 * really kills — SIGKILL, no cleanup — not objects in the test's own process.
 */

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'test-fixtures');
const builtPackage = join(here, '../../dist/index.js');
const clientIds = ['alpha', 'bravo', 'charlie'];
const sizes = [12, 8, 10];

interface Line {
  kind: string;
  [field: string]: unknown;
}

/** A child process with its stdout parsed as JSON lines, and a way to wait for one. */
class Process {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<{ test: (line: Line) => boolean; resolve: (line: Line) => void }> = [];
  readonly child: ChildProcess;

  constructor(script: string, config: object) {
    this.child = spawn(process.execPath, [join(fixtures, script)], {
      env: { ...process.env, TESSERA_TEST_CONFIG: JSON.stringify(config), TESSERA_BACKEND: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    this.child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        return;
      }
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(line)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        if (code !== 0 && code !== null) process.stderr.write(`${script} exited ${code}:\n${stderr}\n`);
        resolve(code);
      }),
    );
    running.push(this);
  }

  waitFor(test: (line: Line) => boolean): Promise<Line> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

const running: Process[] = [];
let directory: string;
let certificatePath: string;
let privateKeyPath: string;

const serverEvent =
  (type: string, check: (event: Record<string, unknown>) => boolean = () => true) =>
  (line: Line) =>
    line.kind === 'server-event' &&
    (line.event as Record<string, unknown>).type === type &&
    check(line.event as Record<string, unknown>);

beforeAll(async () => {
  if (!existsSync(builtPackage)) {
    throw new Error('these tests run the built package: run `npx turbo build --filter=@tessera/federated` first');
  }
  directory = await mkdtemp(join(tmpdir(), 'tessera-federated-processes-'));
  const { certificate, privateKey } = await localhostCertificate();
  certificatePath = join(directory, 'certificate.pem');
  privateKeyPath = join(directory, 'private-key.pem');
  await writeFile(certificatePath, certificate);
  await writeFile(privateKeyPath, privateKey, { mode: 0o600 });
});

afterEach(() => {
  for (const child of running.splice(0)) child.child.kill('SIGKILL');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function startServer(options: {
  checkpointDirectory: string;
  secureAggregation: boolean;
  port: number;
  tokens: Record<string, string>;
}) {
  return new Process('server-process.mjs', {
    ...options,
    rounds: 2,
    expectedClients: 3,
    certificatePath,
    privateKeyPath,
  });
}

function startClients(
  url: string,
  tokens: Record<string, string>,
  stallAt?: { index: number; event: string; round: number },
) {
  return clientIds.map(
    (clientId, index) =>
      new Process('client-process.mjs', {
        url,
        clientId,
        token: tokens[clientId],
        index,
        size: sizes[index],
        certificatePath,
        ...(stallAt?.index === index ? { stallAt: { event: stallAt.event, round: stallAt.round } } : {}),
      }),
  );
}

describe('server and client processes on loopback', () => {
  it('secure aggregation over TLS: a client killed mid-round after masking, and both rounds complete', async () => {
    const tokens = Object.fromEntries(clientIds.map((id) => [id, generateClientToken()]));
    const checkpointDirectory = join(directory, 'secure');
    const server = startServer({ checkpointDirectory, secureAggregation: true, port: 0, tokens });
    const listening = await server.waitFor(serverEvent('listening'));
    const url = (listening.event as { url: string }).url;
    expect(url).toMatch(/^wss:\/\//);
    const clients = startClients(url, tokens, { index: 2, event: 'masked-input-sent', round: 1 });

    await clients[2]!.waitFor((line) => line.kind === 'stalled');
    clients[2]!.child.kill('SIGKILL');
    expect(await clients[2]!.exited).toBe(null);

    expect(await server.exited).toBe(0);
    const done = server.lines.find((line) => line.kind === 'server-done') as unknown as {
      history: Array<Record<string, unknown>>;
    };
    expect(done.history.map((record) => record.participants)).toEqual([
      ['alpha', 'bravo', 'charlie'],
      ['alpha', 'bravo'],
    ]);
    expect(done.history.every((record) => record.secureAggregation === true)).toBe(true);
    const unmasking = server.lines.find(
      serverEvent('phase-complete', (event) => event.phase === 'unmask-shares' && event.round === 1),
    );
    // Charlie's masked input counted (round 1's participants), but it cannot answer for the unmasking:
    // the server lists it as missing, or has already dropped it when its socket closed first (the
    // order depends on scheduling). Either way its pairwise masks are recovered from the others' shares.
    const unmaskingEvent = unmasking?.event as { responded: string[]; missing: string[] } | undefined;
    expect(unmaskingEvent).toMatchObject({ responded: ['alpha', 'bravo'] });
    expect(['charlie']).toEqual(expect.arrayContaining(unmaskingEvent?.missing ?? ['(no event)']));
    expect(await clients[0]!.exited).toBe(0);
    expect(await clients[1]!.exited).toBe(0);
    const state = JSON.parse(await readFile(join(checkpointDirectory, 'server-state.json'), 'utf8'));
    expect(state.completedRounds).toBe(2);
  }, 60_000);

  it('a server killed after a round resumes from its checkpoint, and the clients reconnect', async () => {
    const tokens = Object.fromEntries(clientIds.map((id) => [id, generateClientToken()]));
    const checkpointDirectory = join(directory, 'restart');
    const first = startServer({ checkpointDirectory, secureAggregation: false, port: 0, tokens });
    const url = ((await first.waitFor(serverEvent('listening'))).event as { url: string }).url;
    const clients = startClients(url, tokens);
    await first.waitFor(serverEvent('round-complete'));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    const saved = JSON.parse(await readFile(join(checkpointDirectory, 'server-state.json'), 'utf8'));
    expect(saved.completedRounds).toBe(1);

    const port = Number(new URL(url).port);
    const second = startServer({ checkpointDirectory, secureAggregation: false, port, tokens });
    expect(await second.exited).toBe(0);
    expect(second.lines.find(serverEvent('resumed'))?.event).toEqual({ type: 'resumed', completedRounds: 1 });
    const done = second.lines.find((line) => line.kind === 'server-done') as unknown as {
      history: Array<Record<string, unknown>>;
    };
    expect(done.history.map((record) => record.round)).toEqual([1, 2]);
    expect(done.history[0]).toEqual(saved.history[0]);
    for (const client of clients) expect(await client.exited).toBe(0);
    const final = JSON.parse(await readFile(join(checkpointDirectory, 'server-state.json'), 'utf8'));
    expect(final).toMatchObject({ completedRounds: 2, modelFile: 'global-model-round-000002.safetensors' });
  }, 60_000);
});
