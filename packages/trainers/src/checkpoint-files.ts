import { access, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The names a checkpoint save uses beside its directory `<parent>/<name>`, and the recovery and
 * clean-up that make a kill at any moment harmless:
 *
 *   .<name>.tmp-<pid>-<ms>/   the new checkpoint while it is written
 *   .<name>.previous/         the old one, moved aside between the two renames of a save
 *
 * A save writes the temporary, renames `<name>` → `.<name>.previous`, renames the temporary →
 * `<name>`, then removes the previous. A kill while writing leaves a stale temporary; a kill
 * between the renames leaves no `<name>`, and the previous is then the checkpoint to resume from
 * (see {@link findCheckpoint}); a kill after them leaves a stale previous. Stale ones are removed
 * by the next save of that name, and by the checkpointing callback when training starts or resumes.
 */

/** `.<name>.tmp-<pid>-<ms>`, and the `.<name>.tmp-<pid>-<ms>.previous` of Tessera versions before this one. */
const TEMPORARY = /^\.(.+)\.tmp-\d+-\d+(\.previous)?$/;
const PREVIOUS = /^\.(.+)\.previous$/;

/** Temporaries this process is writing now: never stale, whatever their name says. */
const inFlight = new Set<string>();

export function temporaryPath(directory: string): string {
  return join(dirname(directory), `.${basename(directory)}.tmp-${process.pid}-${Date.now()}`);
}

export function previousPath(directory: string): string {
  return join(dirname(directory), `.${basename(directory)}.previous`);
}

export function markInFlight(temporary: string, writing: boolean): void {
  if (writing) inFlight.add(temporary);
  else inFlight.delete(temporary);
}

export async function isCheckpoint(directory: string): Promise<boolean> {
  return access(join(directory, 'trainer.json')).then(
    () => true,
    () => false,
  );
}

/**
 * The directory to read the checkpoint `directory` from: itself when it holds one, else the copy a
 * save moved aside before it was killed between its two renames (`.<name>.previous`, or an older
 * version's `.<name>.tmp-*.previous`, newest first), else undefined.
 */
export async function findCheckpoint(directory: string): Promise<string | undefined> {
  if (await isCheckpoint(directory)) return directory;
  if (await isCheckpoint(previousPath(directory))) return previousPath(directory);
  const name = basename(directory);
  const legacy = (await readdir(dirname(directory)).catch(() => [] as string[]))
    .filter((entry) => TEMPORARY.exec(entry)?.[1] === name && entry.endsWith('.previous'))
    .sort(byTimestamp)
    .reverse();
  for (const entry of legacy) {
    if (await isCheckpoint(join(dirname(directory), entry))) return join(dirname(directory), entry);
  }
  return undefined;
}

/** Orders `.name.tmp-<pid>-<ms>…` entries by their milliseconds. */
function byTimestamp(a: string, b: string): number {
  const time = (entry: string) => Number(/\.tmp-\d+-(\d+)/.exec(entry)?.[1] ?? 0);
  return time(a) - time(b);
}

/**
 * Removes what interrupted saves left in `parent`: temporaries not being written by this process,
 * and previous copies whose checkpoint is in place again (a previous is kept while it is the only
 * copy). With `name`, only those of the checkpoint `<parent>/<name>`.
 */
export async function removeStaleTemporaries(parent: string, name?: string): Promise<string[]> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const temporary = TEMPORARY.exec(entry);
    const previous = temporary === null ? PREVIOUS.exec(entry) : null;
    const owner = temporary?.[1] ?? previous?.[1];
    if (owner === undefined || (name !== undefined && owner !== name)) continue;
    const path = join(parent, entry);
    if (inFlight.has(path)) continue;
    const isPreviousCopy = previous !== null || temporary?.[2] !== undefined;
    if (isPreviousCopy && !(await isCheckpoint(join(parent, owner)))) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
