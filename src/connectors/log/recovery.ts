import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from './directory.js';
import { INDEX_FILE, type ScanFailureReason, SEGMENT_FILE, Segment } from './segment.js';

/**
 * What recovery cut off a partition when it opened. After a crash the only damage a writer can
 * leave is a torn tail of the active segment; anything else means the disk changed data.
 * Either way the log keeps its intact prefix and continues from there, and says so here
 * rather than silently.
 */
export interface RecoveryReport {
  readonly topic: string;
  readonly partition: number;
  /** The segment file that now ends the partition. */
  readonly segment: string;
  /**
   * `torn`: the file ends inside a record; `checksum`: a record's length, version or CRC32 is
   * wrong; `offset`: an intact record, or the next segment, does not continue the offsets.
   */
  readonly reason: ScanFailureReason;
  /** Where in `segment` the first bad record started. */
  readonly position: number;
  /** Bytes dropped: the rest of `segment` plus every later segment. */
  readonly bytesDropped: number;
  /** The last offset kept (-1 when the partition is now empty). */
  readonly lastGoodOffset: number;
  /** Later segments deleted because offsets after the cut cannot continue densely. */
  readonly deletedSegments: readonly string[];
}

export interface RecoveredPartition {
  /** Oldest first; the last one is open for appends. */
  readonly segments: Segment[];
  readonly report?: RecoveryReport;
}

/**
 * Opens a partition directory. Closed segments are trusted through their `.index` files (written
 * after an fsync) and scanned only when that file is missing or does not match. The last
 * segment is scanned with every CRC checked from its newest indexed position — from its start
 * when it has no index file, as after a crash — and cut at the first bad frame.
 */
export const recoverPartition = async (
  dir: string,
  topic: string,
  partition: number,
  indexIntervalBytes: number,
): Promise<RecoveredPartition> => {
  const where = { topic, partition };
  const names = await readdir(dir);
  const bases = names
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((base): base is string => base !== undefined)
    .sort()
    .map(Number);
  for (const name of names) {
    const base = INDEX_FILE.exec(name)?.[1];
    if (base !== undefined && !bases.includes(Number(base))) await rm(join(dir, name), { force: true });
  }
  if (bases.length === 0) {
    const segment = await Segment.create(dir, 0, indexIntervalBytes);
    await syncDirectory(dir);
    return { segments: [segment] };
  }

  const segments: Segment[] = [];
  let report: RecoveryReport | undefined;
  for (let i = 0; i < bases.length && !report; i++) {
    const segment = new Segment(dir, bases[i], indexIntervalBytes);
    const previous = segments.at(-1);
    if (previous && previous.nextOffset !== segment.baseOffset) {
      report = await dropFrom(where, bases.slice(i), dir, indexIntervalBytes, previous, 'offset', 0);
      break;
    }
    const fileSize = (await stat(segment.path)).size;
    const isLast = i === bases.length - 1;
    segments.push(segment);
    if (!isLast && (await segment.loadIndexFile(fileSize, true)) !== undefined) continue;
    const covered = isLast ? await segment.loadIndexFile(fileSize, false) : undefined;
    let failure = await segment.scan(fileSize);
    if (failure && covered !== undefined && failure.position < covered) {
      // The damage is inside what the index file vouched for: trust nothing, scan it all.
      segment.resumeAt(0, segment.baseOffset);
      failure = await segment.scan(fileSize);
    }
    if (!failure) {
      if (!isLast) await segment.writeIndexFile();
      continue;
    }
    const cut = fileSize - segment.size;
    await segment.removeIndexFile();
    await segment.truncateToSize();
    report = await dropFrom(where, bases.slice(i + 1), dir, indexIntervalBytes, segment, failure.reason, cut);
    report = { ...report, position: failure.position };
  }
  if (report) await syncDirectory(dir);
  await segments.at(-1)!.openForAppend();
  return report ? { segments, report } : { segments };
};

/** Deletes the segments after the one that now ends the partition, and describes the cut. */
const dropFrom = async (
  where: { readonly topic: string; readonly partition: number },
  bases: readonly number[],
  dir: string,
  indexIntervalBytes: number,
  end: Segment,
  reason: ScanFailureReason,
  bytesCut: number,
): Promise<RecoveryReport> => {
  let bytesDropped = bytesCut;
  const deletedSegments: string[] = [];
  for (const base of bases) {
    const segment = new Segment(dir, base, indexIntervalBytes);
    bytesDropped += (await stat(segment.path)).size;
    await segment.remove();
    deletedSegments.push(segment.path);
  }
  return {
    ...where,
    segment: end.path,
    reason,
    position: end.size,
    bytesDropped,
    lastGoodOffset: end.nextOffset - 1,
    deletedSegments,
  };
};
