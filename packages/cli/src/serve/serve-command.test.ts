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
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, TESSERA_BACKEND: 'wasm' },
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
