import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../../errors.js';

/**
 * Where the file ingestor is in its file: the file's identity (device and inode, as decimal
 * strings because inodes may pass 2^53) and the byte offset after the last line appended.
 * A rename keeps the identity, so after a rotation the old file can still be found.
 */
export interface FilePosition {
  readonly path: string;
  readonly dev: string;
  readonly ino: string;
  readonly offset: number;
  /** Lines read before `offset`, for the line numbers of rejected lines. */
  readonly line: number;
  /** Inside a line longer than `maxLineBytes`, whose rest is skipped up to its newline. */
  readonly skipping: boolean;
}

const VERSION = 1;

export const positionFile = (stateDir: string, name: string): string =>
  join(stateDir, `${encodeURIComponent(name)}.position.json`);

const isPosition = (value: unknown): value is FilePosition & { version: number } => {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === VERSION &&
    typeof v.path === 'string' &&
    typeof v.dev === 'string' &&
    typeof v.ino === 'string' &&
    Number.isSafeInteger(v.offset) &&
    (v.offset as number) >= 0 &&
    Number.isSafeInteger(v.line) &&
    typeof v.skipping === 'boolean'
  );
};

/** The saved position, or undefined when there is none yet. */
export const readPosition = async (file: string): Promise<FilePosition | undefined> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TributaryError(
      'TRB_FILE_TAIL_FAILED',
      `reading the position state ${file} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isPosition(value)) {
    throw new TributaryError(
      'TRB_FILE_BAD_STATE',
      `${file} is not a position state of this Tributary; delete it to start again at startAt`,
    );
  }
  const { version: _, ...position } = value;
  return position;
};

/**
 * Replaces the saved position atomically: write a temporary file, fsync it, rename it over
 * the old one. A crash leaves the old position or the new one, never a torn file.
 */
export const writePosition = async (file: string, position: FilePosition): Promise<void> => {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify({ version: VERSION, ...position }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
};
