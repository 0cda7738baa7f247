import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTesseraError } from '../errors.js';
import { writeFileAtomically, writeTextFileAtomically } from './atomic-write.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tessera-atomic-write-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeFileAtomically', () => {
  it('throws E_WRITE_DIRECTORY naming the folder when it does not exist, and creates nothing', async () => {
    const missing = join(directory, 'no', 'such');
    const error = await writeTextFileAtomically(join(missing, 'notes.txt'), 'hello').catch((caught) => caught);
    expect(isTesseraError(error, 'E_WRITE_DIRECTORY')).toBe(true);
    expect((error as Error).message).toContain(`'${missing}'`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(await readdir(directory)).not.toContain('no');
  });

  it('writes the content into an existing folder, with no temporary file left', async () => {
    const folder = join(directory, 'written');
    await mkdir(folder);
    await writeTextFileAtomically(join(folder, 'notes.txt'), 'hello');
    expect(await readFile(join(folder, 'notes.txt'), 'utf8')).toBe('hello');
    expect(await readdir(folder)).toEqual(['notes.txt']);
  });

  it('replaces an existing file with the complete new content', async () => {
    const path = join(directory, 'replace.bin');
    await writeFile(path, 'old content');
    await writeFileAtomically(path, async (handle) => {
      await handle.writeFile(new Uint8Array([1, 2, 3]));
    });
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
  });

  it('leaves the old file and no temporary file when the writer fails', async () => {
    const folder = join(directory, 'failing');
    await mkdir(folder);
    const path = join(folder, 'kept.txt');
    await writeTextFileAtomically(path, 'kept');
    await expect(
      writeFileAtomically(path, async (handle) => {
        await handle.writeFile('partial');
        throw new Error('writer failed');
      }),
    ).rejects.toThrow('writer failed');
    expect(await readFile(path, 'utf8')).toBe('kept');
    expect(await readdir(folder)).toEqual(['kept.txt']);
  });

  it('throws E_WRITE_DIRECTORY when a parent path is a file, not a folder', async () => {
    const blocker = join(directory, 'a-file');
    await writeFile(blocker, 'not a folder');
    const error = await writeTextFileAtomically(join(blocker, 'out.txt'), 'x').catch((caught) => caught);
    expect(isTesseraError(error, 'E_WRITE_DIRECTORY')).toBe(true);
    expect((error as Error).message).toContain(`'${blocker}'`);
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });
});
