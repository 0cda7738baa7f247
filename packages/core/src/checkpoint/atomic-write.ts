import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TesseraError } from '../errors.js';

/**
 * Writes a file so that `path` only ever holds the old content or the complete new content:
 * `write` fills a temporary file in the same directory (same filesystem, so the rename is atomic),
 * which is fsynced (its data is on disk before the name points at it) and renamed over `path`.
 * If anything fails the temporary file is removed and the error rethrown; `path` is untouched.
 *
 * The parent folder must exist: a missing one (or a parent path that is a file) throws
 * `E_WRITE_DIRECTORY` with the system error as `cause`, and nothing is created. Folders are not
 * made here because `saveSafetensors` promises to create nothing on a bad path (as
 * `safetensors.torch.save_file` does); APIs that save into a run folder create it themselves.
 */
export async function writeFileAtomically(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const directory = dirname(path);
  const temporaryPath = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await openTemporaryFile(temporaryPath, directory, path);
  let closed = false;
  try {
    await write(handle);
    await handle.sync();
    closed = true;
    await handle.close();
    await rename(temporaryPath, path);
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(temporaryPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

async function openTemporaryFile(temporaryPath: string, directory: string, path: string): Promise<FileHandle> {
  try {
    // 'wx' fails rather than truncating if the name somehow exists.
    return await open(temporaryPath, 'wx');
  } catch (error) {
    const systemCode = (error as NodeJS.ErrnoException).code;
    // The temporary name is fresh, so ENOENT/ENOTDIR can only mean the folder part of `path` is wrong.
    if (systemCode !== 'ENOENT' && systemCode !== 'ENOTDIR') throw error;
    throw new TesseraError(
      'E_WRITE_DIRECTORY',
      `cannot write '${path}': the folder '${directory}' does not exist or is not a folder (${systemCode}); ` +
        'create it first (e.g. `mkdir(folder, { recursive: true })`) or choose another path',
      { cause: error },
    );
  }
}

/**
 * Makes the rename itself durable across a power loss. Best effort: some platforms (Windows)
 * cannot open a directory, and the file is already complete and in place either way.
 */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is an optimisation here, not a correctness requirement.
  }
}

/** Writes all of `bytes` at `position`; one `write` call may write fewer bytes than asked. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}

/** Writes text (UTF-8) atomically; see {@link writeFileAtomically}. */
export async function writeTextFileAtomically(path: string, text: string): Promise<void> {
  await writeFileAtomically(path, async (handle) => {
    await handle.writeFile(text, 'utf8');
  });
}
