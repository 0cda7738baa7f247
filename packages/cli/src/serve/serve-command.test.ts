import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyGptExport } from './test-exports.js';

/** `tessera serve` as a user runs it: the built executable, its JSON log, SIGTERM. */

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin.js');
let directory: string;
let exportPath: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-serve-command-'));
  exportPath = await writeTinyGptExport(directory, 'int8');
});
afterAll(() => rm(directory, { recursive: true, force: true }));

function start(...args: string[]): { child: ChildProcess; address: Promise<string>; log: string[] } {
  return startWith({}, ...args);
}

function startWith(
  environment: Record<string, string>,
  ...args: string[]
): { child: ChildProcess; address: Promise<string>; log: string[] } {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, TESSERA_BACKEND: 'wasm', TESSERA_API_KEY: undefined, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const address = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).trim().split('\n')) {
        log.push(line);
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match) resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return { child, address, log };
}

describe('tessera serve', () => {
  it('serves an export, logs JSON lines, and exits 0 on SIGTERM', async () => {
    const { child, address, log } = start(exportPath, '--port', '0', '--max-tokens', '8');
    const base = await address;
    const response = await fetch(`${base}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'To be', maxTokens: 8, seed: 1 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { tokens: number }).tokens).toBe(8);
    const tooMany = await fetch(`${base}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'To be', maxTokens: 9 }),
    });
    expect(tooMany.status).toBe(400);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const records = log.map((line) => JSON.parse(line) as { msg: string });
    expect(records.some((record) => record.msg === 'request completed')).toBe(true);
    expect(records.some((record) => record.msg.startsWith('shutting down'))).toBe(true);
  });

  it('listens on 127.0.0.1 by default; --api-key or TESSERA_API_KEY requires Authorization: Bearer', async () => {
    const runs: { environment: Record<string, string>; args: string[]; key: string }[] = [
      { environment: {}, args: ['--api-key', 'from-flag'], key: 'from-flag' },
      { environment: { TESSERA_API_KEY: 'from-env' }, args: [], key: 'from-env' },
    ];
    for (const { environment, args, key } of runs) {
      const { child, address, log } = startWith(environment, exportPath, '--port', '0', ...args);
      const base = await address; // the listening line names 127.0.0.1
      const models = (authorization?: string) =>
        fetch(`${base}/v1/models`, authorization === undefined ? {} : { headers: { authorization } });
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await models()).status).toBe(401);
      expect((await models('Bearer nope')).status).toBe(401);
      const allowed = await models(`Bearer ${key}`);
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as { data: { id: string }[] }).data[0]?.id).toBe('gpt-int8');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const loaded = log
        .map((line) => JSON.parse(line) as { msg: string })
        .find((record) => record.msg === 'model loaded');
      expect(loaded).toMatchObject({ authentication: 'api-key', model: 'gpt-int8' });
      expect(log.join('\n')).not.toContain(key); // the key is never logged
    }
  });

  it('an empty TESSERA_API_KEY is a one-line error, not an open server', async () => {
    const child = spawn(process.execPath, [bin, 'serve', exportPath, '--port', '0'], {
      env: { ...process.env, TESSERA_BACKEND: 'wasm', TESSERA_API_KEY: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/E_CLI_OPTION: TESSERA_API_KEY is set but empty/);
  });

  it('fails with a clear message for a directory that is not an export', async () => {
    const child = spawn(process.execPath, [bin, 'serve', directory, '--port', '0'], {
      env: { ...process.env, TESSERA_BACKEND: 'wasm' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/E_EXPORT_FILE.*tessera\.json/);
  });
});
