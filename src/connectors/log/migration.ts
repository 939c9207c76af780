import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './directory.js';
import { INDEX_FILE, SEGMENT_FILE } from './segment.js';
import { writeTopicFile } from './topic-file.js';

/** A topic moved from the layout before partitions: its segments became partition 0. */
export interface Migration {
  readonly topic: string;
  /** Segment files partition 0 has now. */
  readonly segments: number;
}

/**
 * Moves a topic directory of the previous layout — segment and index files directly in
 * `<topic>/`, no topic.json — to the partitioned one: its files become partition 0 of a
 * one-partition topic. Returns undefined when `topicDir` (which has no topic.json) holds
 * nothing of the old layout.
 *
 * Crash-safe by order: `0/` is created, the files are renamed into it one at a time (each
 * rename is atomic: a file is in one place or the other), both directories are fsynced, and
 * topic.json is written last. Until then the topic has no topic.json, so a SIGKILL at any step
 * leaves loose files and/or a `0/` directory, which the next open recognises as a migration to
 * finish, and finishes. No file is copied or rewritten, so nothing can be half-moved.
 */
export const migrateTopic = async (topicDir: string, topic: string): Promise<Migration | undefined> => {
  const entries = await readdir(topicDir, { withFileTypes: true });
  const loose = entries
    .filter((entry) => entry.isFile() && (SEGMENT_FILE.test(entry.name) || INDEX_FILE.test(entry.name)))
    .map((entry) => entry.name)
    .sort();
  const started = entries.some((entry) => entry.name === '0' && entry.isDirectory());
  if (loose.length === 0 && !started) return undefined;

  const partitionDir = join(topicDir, '0');
  if (!started) {
    await mkdir(partitionDir);
    await syncDirectory(topicDir);
  }
  for (const name of loose) await rename(join(topicDir, name), join(partitionDir, name));
  await syncDirectory(partitionDir);
  await syncDirectory(topicDir);
  await writeTopicFile(topicDir, 1);
  const segments = (await readdir(partitionDir)).filter((name) => SEGMENT_FILE.test(name)).length;
  return { topic, segments };
};
