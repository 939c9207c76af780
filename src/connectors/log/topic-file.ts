import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../../errors.js';
import { syncDirectory } from './directory.js';

/**
 * `<topic>/topic.json` says how many partitions a topic has: `{ "version": 2, "partitions": N }`.
 * Version 1 is the layout before partitions (segments directly in the topic directory, no
 * topic.json); see migration.ts. The file is the truth about the partition count: a partition
 * directory is used only once the file counts it.
 */
export const TOPIC_FILE = 'topic.json';
const TEMP_FILE = 'topic.json.tmp';
export const LAYOUT_VERSION = 2;

const badLayout = (path: string, problem: string, fix: string, cause?: unknown): TributaryError =>
  new TributaryError('TRB_LOG_BAD_LAYOUT', `${path}: ${problem}; ${fix}`, { cause });

/** The partition count in `topicDir/topic.json`, or undefined when there is no such file. */
export const readTopicFile = async (topicDir: string): Promise<number | undefined> => {
  const path = join(topicDir, TOPIC_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let content: { version?: unknown; partitions?: unknown };
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw badLayout(
      path,
      'is not JSON',
      `restore it as { "version": ${LAYOUT_VERSION}, "partitions": N }`,
      error,
    );
  }
  const { version, partitions } = content ?? {};
  if (typeof version === 'number' && version > LAYOUT_VERSION) {
    throw badLayout(
      path,
      `has layout version ${version}, newer than this Tributary reads (${LAYOUT_VERSION})`,
      'open the log with the Tributary that wrote it, or a newer one',
    );
  }
  if (version !== LAYOUT_VERSION || !Number.isSafeInteger(partitions) || (partitions as number) < 1) {
    throw badLayout(
      path,
      `is not { "version": ${LAYOUT_VERSION}, "partitions": N ≥ 1 } but ${text.trim().slice(0, 100)}`,
      'restore it with the number of partition directories it has',
    );
  }
  return partitions as number;
};

/**
 * Replaces `topicDir/topic.json` atomically: a temp file is written and fsynced, renamed over
 * the old one, and the directory fsynced, so a crash leaves the old file or the new one, never
 * half of either (a leftover temp file is simply overwritten next time).
 */
export const writeTopicFile = async (topicDir: string, partitions: number): Promise<void> => {
  const temp = join(topicDir, TEMP_FILE);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify({ version: LAYOUT_VERSION, partitions })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(topicDir, TOPIC_FILE));
  await syncDirectory(topicDir);
};

/** Removes a temp file that a crash during `writeTopicFile` left behind. */
export const removeTopicFileLeftover = (topicDir: string): Promise<void> =>
  rm(join(topicDir, TEMP_FILE), { force: true });
