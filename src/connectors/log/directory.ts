import { open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TributaryError } from '../../errors.js';

/**
 * Makes a directory's entries durable: a new segment file's data can be fsynced, but its
 * name is in the directory, which needs its own fsync to survive a power loss.
 */
export const syncDirectory = async (dir: string): Promise<void> => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot fsync a directory; there the rename/create is all we get.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
};

const LOCK_FILE = '.lock';
/** Directories this process has open: a second open in the same process is refused too. */
const lockedHere = new Set<string>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the data directory for this log. Two writers on one directory would interleave
 * frames and corrupt it, so the `.lock` file holds the owner's pid; a lock left by a process
 * that died (a crash, SIGKILL) is taken over, which is what lets a restarted process recover.
 */
export const lockDirectory = async (dir: string): Promise<() => Promise<void>> => {
  const key = resolve(dir);
  const path = join(key, LOCK_FILE);
  const refuse = (owner: string): TributaryError =>
    new TributaryError(
      'TRB_LOG_LOCKED',
      `dir: ${key} is already open by ${owner}; close that log first, or give this one another dir`,
    );
  if (lockedHere.has(key)) throw refuse('another embedded log in this process');
  lockedHere.add(key);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner))
        throw refuse(`process ${owner}`);
      await rm(path, { force: true });
    }
  } catch (error) {
    lockedHere.delete(key);
    throw error;
  }
  return async () => {
    await rm(path, { force: true });
    lockedHere.delete(key);
  };
};
