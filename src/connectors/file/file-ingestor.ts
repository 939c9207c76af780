import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type ErrorCode, TributaryError } from '../../errors.js';
import { DEAD_LETTER_TOPIC } from '../dead-letter.js';
import type { Appender, Ingestor } from '../ingestor.js';
import type { AppendRecord } from '../log/record-format.js';
import { lineDeadLetter, parseLine } from './line-parser.js';
import { type FileOptions, resolveFileOptions } from './options.js';
import { type FilePosition, positionFile, readPosition, writePosition } from './position-state.js';

/** The file being read: opened once, so it stays readable after a rename or unlink. */
interface OpenFile {
  readonly handle: FileHandle;
  /** The name it was opened under (an old name, when a rotation happened while we were stopped). */
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
  offset: number;
  line: number;
  skipping: boolean;
}

/** Lines read and parsed but not yet appended: kept across retries so nothing is appended twice. */
interface Commit {
  readonly events: AppendRecord[];
  readonly deadLetters: AppendRecord[];
  eventsDone: boolean;
  readonly offset: number;
  readonly line: number;
  readonly skipping: boolean;
}

const NEWLINE = 0x0a;

const statOrUndefined = async (path: string) => {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** After a rotation while we were stopped: the old file under its new name, if it is still beside the path. */
const findByIdentity = async (dir: string, dev: string, ino: string): Promise<string | undefined> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const found = await statOrUndefined(join(dir, name)).catch(() => undefined);
    if (found?.isFile() && String(found.dev) === dev && String(found.ino) === ino) return join(dir, name);
  }
  return undefined;
};

/**
 * Follows a file like `tail -F` and appends each line as an event: JSON lines as they are,
 * or the named groups of a regular expression. Lines that cannot become events go to the
 * dead-letter topic with the file, line number and byte offset. A partial last line waits for
 * its newline. Rotation by rename (the old file is read to its end first) and by
 * copy-truncate are followed. With `stateDir`, the file's identity (device + inode) and the
 * offset after the last appended line are saved atomically after each append, so a restart
 * resumes where the last run stopped — also when the file was rotated in between.
 *
 * @example
 * const access = createFileIngestor(
 *   { name: 'access', path: '/var/log/app.log', format: { regex: '^(?<ip>\\S+) (?<status>\\d{3})' }, stateDir: '.tributary/files' },
 *   log,
 * );
 * await access.start();
 */
export const createFileIngestor = (options: FileOptions, appender: Appender): Ingestor => {
  const config = resolveFileOptions(options);
  const { name, path, pattern } = config;
  const stateFile = config.stateDir ? positionFile(config.stateDir, name) : undefined;
  const buffer = Buffer.allocUnsafe(config.maxLineBytes);

  let running = false;
  let loop: Promise<void> | undefined;
  let watcher: FSWatcher | undefined;
  let current: OpenFile | undefined;
  let saved: FilePosition | undefined;
  let pendingCommit: Commit | undefined;
  let unsaved = false;
  /** Whether the file was missing when we first looked: then it is new, and read from its start. */
  let missingAtStart = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;
  let events = 0;
  let rejected = 0;
  let lastError: string | undefined;

  const wake = (): void => {
    woken = true;
    wakeUp?.();
  };

  const nap = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (woken || !running) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(() => wakeUp?.(), ms);
      wakeUp = () => {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      };
    });

  const save = async (): Promise<void> => {
    if (!stateFile || !current) return;
    unsaved = true;
    const { path: file, dev, ino, offset, line, skipping } = current;
    saved = { path: file, dev: String(dev), ino: String(ino), offset, line, skipping };
    await writePosition(stateFile, saved);
    unsaved = false;
  };

  const openAt = async (
    file: string,
    at: (handle: FileHandle, size: number) => Promise<[number, number]>,
  ): Promise<OpenFile> => {
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat({ bigint: true });
      const [offset, line] = await at(handle, Number(info.size));
      return { handle, path: file, dev: info.dev, ino: info.ino, offset, line, skipping: false };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  /** Starting at the end: after the last complete line, counting lines for their numbers. */
  const toEnd = async (handle: FileHandle, size: number): Promise<[number, number]> => {
    let position = 0;
    let afterLastNewline = 0;
    let lines = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
      if (bytesRead === 0) break;
      const view = buffer.subarray(0, bytesRead);
      for (let i = view.indexOf(NEWLINE); i !== -1; i = view.indexOf(NEWLINE, i + 1)) {
        lines++;
        afterLastNewline = position + i + 1;
      }
      position += bytesRead;
    }
    return [afterLastNewline, lines];
  };

  const openFirst = async (): Promise<OpenFile | undefined> => {
    const now = await statOrUndefined(path);
    if (saved) {
      const { dev, ino, offset, line, skipping } = saved;
      const same = now && String(now.dev) === dev && String(now.ino) === ino;
      const file = same ? path : await findByIdentity(dirname(path), dev, ino);
      if (file) {
        // Smaller than our offset: truncated while we were stopped, so it is new text.
        const resumed = await openAt(file, async (_, size) => (size >= offset ? [offset, line] : [0, 0]));
        resumed.skipping = resumed.offset === offset && skipping;
        return resumed;
      }
      // Our file is gone (rotated away and deleted): whatever has the name now is new.
    } else if (!now) {
      missingAtStart = true;
    }
    if (!now) return undefined;
    const atEnd = !saved && config.startAt === 'end' && !missingAtStart;
    return openAt(path, atEnd ? toEnd : async () => [0, 0]);
  };

  /** Splits what was read into lines; `final` takes a trailing partial line as a line too. */
  const plan = (file: OpenFile, bytesRead: number, final: boolean): Commit | undefined => {
    const view = buffer.subarray(0, bytesRead);
    const eventsOut: AppendRecord[] = [];
    const deadLettersOut: AppendRecord[] = [];
    let { line, skipping } = file;
    let start = 0;
    const take = (end: number): void => {
      line++;
      if (skipping) {
        skipping = false;
        return;
      }
      const origin = { file: file.path, line, offset: file.offset + start };
      const parsed = parseLine(name, view.subarray(start, end), origin, pattern);
      if (parsed && 'event' in parsed) eventsOut.push(parsed.event);
      else if (parsed) deadLettersOut.push(parsed.deadLetter);
    };
    for (let nl = view.indexOf(NEWLINE); nl !== -1; nl = view.indexOf(NEWLINE, start)) {
      take(nl);
      start = nl + 1;
    }
    if (start === 0 && bytesRead === buffer.length) {
      // No newline within maxLineBytes: dead-letter the start of the line, skip to its end.
      if (!skipping) {
        const origin = { file: file.path, line: line + 1, offset: file.offset };
        const why = `line is longer than maxLineBytes (${buffer.length}); its first bytes are kept here`;
        deadLettersOut.push(lineDeadLetter(name, why, view, origin).deadLetter);
      }
      skipping = true;
      start = bytesRead;
    } else if (final && start < bytesRead) {
      take(bytesRead);
      start = bytesRead;
    }
    if (start === 0) return undefined;
    return {
      events: eventsOut,
      deadLetters: deadLettersOut,
      eventsDone: eventsOut.length === 0,
      offset: file.offset + start,
      line,
      skipping,
    };
  };

  const finish = async (file: OpenFile, commit: Commit): Promise<void> => {
    pendingCommit = commit;
    if (!commit.eventsDone) {
      await appender.append(config.topic, commit.events);
      commit.eventsDone = true;
      events += commit.events.length;
    }
    if (commit.deadLetters.length > 0) {
      await appender.append(DEAD_LETTER_TOPIC, commit.deadLetters);
      rejected += commit.deadLetters.length;
    }
    pendingCommit = undefined;
    file.offset = commit.offset;
    file.line = commit.line;
    file.skipping = commit.skipping;
    await save();
  };

  /** Nothing complete to read: has the file been truncated, or replaced by a new one? */
  const followRotation = async (file: OpenFile, bytesRead: number): Promise<boolean> => {
    const size = Number((await file.handle.stat({ bigint: true })).size);
    if (size < file.offset) {
      // Copy-truncate: the text we had read was copied elsewhere; this is a new beginning.
      file.offset = 0;
      file.line = 0;
      file.skipping = false;
      await save();
      return true;
    }
    const now = await statOrUndefined(path);
    // Still ours, or gone with nothing in its place yet (the writer may still be writing to it).
    if (!now || (now.dev === file.dev && now.ino === file.ino)) return false;
    if (size > file.offset + bytesRead) return true;
    if (bytesRead > 0) {
      // Rotated away with a partial last line: no newline will come, so it is a line.
      await finish(file, plan(file, bytesRead, true)!);
      return true;
    }
    // Open the new file before letting go of the old: if it vanished again, we retry from here.
    const next = await openAt(path, async () => [0, 0]);
    await file.handle.close();
    current = next;
    await save();
    return true;
  };

  /** One round: read what is new, append it. True when something moved, so go again at once. */
  const step = async (): Promise<boolean> => {
    if (!current) {
      current = await openFirst();
      if (!current) return false;
      await save();
    }
    const file = current;
    if (pendingCommit) {
      await finish(file, pendingCommit);
      return true;
    }
    if (unsaved) await save();
    const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, file.offset);
    if (bytesRead > 0) {
      const commit = plan(file, bytesRead, false);
      if (commit) {
        await finish(file, commit);
        return true;
      }
    }
    return followRotation(file, bytesRead);
  };

  const startWatching = (): void => {
    if (watcher) return;
    try {
      // The directory, not the file: a watch on the file would stay on the old inode after a rename.
      watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
        if (!changed || changed === basename(path) || (current && changed === basename(current.path))) wake();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // No directory yet, or no inotify watches left: polling alone finds the changes.
      watcher = undefined;
    }
  };

  const describe = (error: unknown): string => {
    if (error instanceof TributaryError) return `${error.code}: ${error.message}`;
    const code: ErrorCode = 'TRB_FILE_TAIL_FAILED';
    return `${code}: file '${name}': ${path}: ${(error as Error)?.message ?? String(error)}; retrying`;
  };

  const run = async (): Promise<void> => {
    while (running) {
      woken = false;
      let moved = false;
      try {
        moved = await step();
        if (!pendingCommit && !unsaved) lastError = undefined;
      } catch (error) {
        lastError = describe(error);
      }
      if (!moved) {
        startWatching();
        await nap(config.pollIntervalMs);
      }
    }
  };

  return {
    name,
    async start() {
      if (running) return;
      if (stateFile) {
        await mkdir(dirname(stateFile), { recursive: true });
        saved = await readPosition(stateFile);
      }
      running = true;
      missingAtStart = false;
      startWatching();
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      wake();
      await loop;
      loop = undefined;
      watcher?.close();
      watcher = undefined;
      await current?.handle.close();
      current = undefined;
      pendingCommit = undefined;
    },
    stats: () => ({ events, rejected, active: running, ...(lastError ? { lastError } : {}) }),
  };
};
