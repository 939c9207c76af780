import { type FileHandle, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TributaryError } from '../../errors.js';
import { FRAME_END, FRAME_INVALID, FRAME_NEEDS_READ, FRAME_TORN, FrameReader } from './frame-reader.js';
import {
  type EncodedBatch,
  FRAME_HEADER_BYTES,
  frameIsIntact,
  frameOffset,
  frameTimestamp,
} from './record-format.js';
import { decodeIndexFile, encodeIndexFile, SparseIndex } from './sparse-index.js';

const SCAN_CHUNK_BYTES = 1024 * 1024;

export const segmentFileName = (baseOffset: number): string => `${String(baseOffset).padStart(20, '0')}.log`;
export const indexFileName = (baseOffset: number): string => `${String(baseOffset).padStart(20, '0')}.index`;
export const SEGMENT_FILE = /^(\d{20})\.log$/;
export const INDEX_FILE = /^(\d{20})\.index$/;

/** Why a scan stopped before the end of the file. */
export type ScanFailureReason = 'torn' | 'checksum' | 'offset';

export interface ScanFailure {
  readonly reason: ScanFailureReason;
  /** Where the first bad frame starts: the segment's intact prefix ends here. */
  readonly position: number;
}

/** What `read` may still take. */
export interface ReadBudget {
  records: number;
  bytes: number;
  /** A read returns at least one record, however large, so that a consumer always advances. */
  taken: number;
}

/**
 * One file of a partition: the records from `baseOffset` to `nextOffset - 1`. The in-memory
 * state (`size`, `nextOffset`, `maxTimestamp`, `index`) describes only bytes that were
 * written completely, so readers never see a frame that a write is still filling.
 */
export class Segment {
  readonly path: string;
  readonly indexPath: string;
  size = 0;
  nextOffset: number;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  index: SparseIndex;
  /** Open only while this is a partition's active segment. */
  private handle: FileHandle | undefined;
  private lastIndexedPosition = Number.NEGATIVE_INFINITY;

  constructor(
    dir: string,
    readonly baseOffset: number,
    private readonly indexIntervalBytes: number,
  ) {
    this.path = join(dir, segmentFileName(baseOffset));
    this.indexPath = join(dir, indexFileName(baseOffset));
    this.nextOffset = baseOffset;
    this.index = new SparseIndex(baseOffset);
  }

  /** A new, empty segment file, open for appends. */
  static async create(dir: string, baseOffset: number, indexIntervalBytes: number): Promise<Segment> {
    const segment = new Segment(dir, baseOffset, indexIntervalBytes);
    segment.handle = await open(segment.path, 'wx');
    return segment;
  }

  async openForAppend(): Promise<void> {
    this.handle ??= await open(this.path, 'r+');
  }

  /**
   * Adopts the segment's `.index` file if it is valid and covers at most `fileSize` bytes
   * (`exact`: exactly `fileSize`, as a sealed segment must). Returns the bytes it covers.
   */
  async loadIndexFile(fileSize: number, exact: boolean): Promise<number | undefined> {
    let content: ReturnType<typeof decodeIndexFile>;
    try {
      content = decodeIndexFile(await readFile(this.indexPath), this.baseOffset);
    } catch {
      return undefined;
    }
    if (!content || content.coveredBytes > fileSize || (exact && content.coveredBytes !== fileSize)) {
      return undefined;
    }
    this.index = content.index;
    this.maxTimestamp = content.maxTimestamp;
    if (exact) {
      this.size = content.coveredBytes;
      this.nextOffset = content.nextOffset;
      this.lastIndexedPosition = this.index.lastPosition;
    } else {
      // Trust the prefix up to the newest entry; `scan` re-reads the rest and checks every frame.
      const last = this.index.length > 0 ? this.index.entry(this.index.length - 1) : undefined;
      this.resumeAt(last?.position ?? 0, last?.offset ?? this.baseOffset);
    }
    return content.coveredBytes;
  }

  /** Forgets everything from `position` on, to rebuild it by scanning. */
  resumeAt(position: number, offset: number): void {
    this.index.dropFrom(position);
    this.lastIndexedPosition = this.index.lastPosition;
    this.size = position;
    this.nextOffset = offset;
    if (position === 0) this.maxTimestamp = Number.NEGATIVE_INFINITY;
  }

  /**
   * Reads from `size` to `fileSize`, checking every frame's length, CRC and offset and
   * indexing as it goes. Afterwards the state describes the intact prefix; a failure says
   * where the first bad frame starts.
   */
  async scan(fileSize: number): Promise<ScanFailure | undefined> {
    const handle = await open(this.path, 'r');
    try {
      const reader = new FrameReader(handle.fd, this.size, fileSize, SCAN_CHUNK_BYTES, true);
      for (;;) {
        const frameBytes = reader.peek();
        if (frameBytes === FRAME_NEEDS_READ) {
          await reader.fill();
          continue;
        }
        if (frameBytes === FRAME_END) return undefined;
        if (frameBytes === FRAME_TORN) return { reason: 'torn', position: reader.position };
        if (frameBytes === FRAME_INVALID || !frameIsIntact(reader.buffer, reader.at, frameBytes)) {
          return { reason: 'checksum', position: reader.position };
        }
        if (frameOffset(reader.buffer, reader.at) !== this.nextOffset) {
          return { reason: 'offset', position: reader.position };
        }
        this.indexFrame(reader.position, this.nextOffset);
        const timestamp = frameTimestamp(reader.buffer, reader.at);
        if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
        this.nextOffset++;
        this.size += frameBytes;
        reader.advance(frameBytes);
      }
    } finally {
      await handle.close();
    }
  }

  /** Cuts the file at `size` (the intact prefix) and makes the cut durable. */
  async truncateToSize(): Promise<void> {
    const handle = this.handle ?? (await open(this.path, 'r+'));
    try {
      await handle.truncate(this.size);
      await handle.datasync();
    } finally {
      if (handle !== this.handle) await handle.close();
    }
  }

  /** Writes whole batches at the end in one writev; the state moves only once all bytes are in. */
  async write(batches: readonly EncodedBatch[]): Promise<void> {
    const handle = this.activeHandle();
    let buffers = batches.map((batch) => batch.buffer);
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    let written = 0;
    while (written < total) {
      const { bytesWritten } = await handle.writev(buffers, this.size + written);
      written += bytesWritten;
      if (written < total) buffers = remainder(buffers, bytesWritten);
    }
    let position = this.size;
    for (const batch of batches) {
      const { buffer } = batch;
      for (let at = 0, offset = batch.baseOffset; at < buffer.length; offset++) {
        this.indexFrame(position + at, offset);
        at += FRAME_HEADER_BYTES + buffer.readUInt32LE(at);
      }
      position += buffer.length;
      this.nextOffset = batch.baseOffset + batch.count;
      if (batch.maxTimestamp > this.maxTimestamp) this.maxTimestamp = batch.maxTimestamp;
    }
    this.size = position;
  }

  /** After a failed write: drops whatever part of it reached the file. False if even that failed. */
  async rollBack(): Promise<boolean> {
    try {
      await this.activeHandle().truncate(this.size);
      return true;
    } catch {
      return false;
    }
  }

  async sync(): Promise<void> {
    await this.activeHandle().datasync();
  }

  /** Records the index; written only after the bytes it covers are durable (see sparse-index.ts). */
  async writeIndexFile(): Promise<void> {
    const { size: coveredBytes, nextOffset, maxTimestamp, index } = this;
    await writeFile(this.indexPath, encodeIndexFile({ coveredBytes, nextOffset, maxTimestamp, index }));
  }

  /** Makes the segment read-only for good: fsync, index file, close. */
  async seal(): Promise<void> {
    await this.sync();
    await this.writeIndexFile();
    await this.closeHandle();
  }

  async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Deletes the index first: a crash in between leaves a segment that is simply re-indexed. */
  async remove(): Promise<void> {
    await this.closeHandle();
    await rm(this.indexPath, { force: true });
    await rm(this.path, { force: true });
  }

  async removeIndexFile(): Promise<void> {
    await rm(this.indexPath, { force: true });
  }

  /** Where a reader finds the records from `from` in this file, as far as it is written. */
  span(from: number): SegmentSpan {
    const { offset, position } = this.index.floor(from);
    return { path: this.path, offset, position, size: this.size };
  }

  /** `readSpan` over this segment. */
  read(
    from: number,
    end: number,
    budget: ReadBudget,
    chunkBytes: number,
    take: FrameTaker,
    verify: boolean,
  ): Promise<void> {
    return readSpan(this.span(from), from, end, budget, chunkBytes, take, verify);
  }

  private indexFrame(position: number, offset: number): void {
    if (position - this.lastIndexedPosition >= this.indexIntervalBytes) {
      this.index.add(offset, position);
      this.lastIndexedPosition = position;
    }
  }

  private activeHandle(): FileHandle {
    if (!this.handle) {
      throw new TributaryError('TRB_INTERNAL', `${this.path}: written to after it was sealed`);
    }
    return this.handle;
  }
}

/** A segment file as a reader on any thread sees it: an index entry to start from, and the written size. */
export interface SegmentSpan {
  readonly path: string;
  /** The offset of the frame at `position`: at or below the offset wanted. */
  readonly offset: number;
  readonly position: number;
  /** Bytes completely written: frames past it are not read. */
  readonly size: number;
}

/** Receives a frame in place: `frameBytes` bytes of `buffer` from `at`. */
export type FrameTaker = (buffer: Buffer, at: number, frameBytes: number) => void;

/** Where a walk over a segment's frames is: the offset of the frame its reader is at. */
export interface FrameWalk {
  offset: number;
}

/**
 * Hands `take` the frames from offset `from` up to `end` (exclusive) that `reader` holds in
 * memory and that fit the budget, each checked to hold the offset it should; frames before
 * `from` are passed over. With `verify`, each frame's CRC is checked here too; without it,
 * whoever decodes the frames checks it. Returns `'fill'` when the reader must read on (the
 * caller fills it, on this thread or the pool, and calls again), `'done'` at `end`, at the
 * end of the file or of the budget.
 */
export const takeFrames = (
  reader: FrameReader,
  walk: FrameWalk,
  from: number,
  end: number,
  budget: ReadBudget,
  take: FrameTaker,
  verify: boolean,
  path: string,
): 'fill' | 'done' => {
  for (; walk.offset < end && budget.records > 0; walk.offset++) {
    const frameBytes = reader.peek();
    if (frameBytes === FRAME_NEEDS_READ) return 'fill';
    if (frameBytes === FRAME_END) return 'done';
    if (frameBytes < 0) throw corruptFrame(path, reader.position, walk.offset, 'has an invalid length');
    if (walk.offset >= from) {
      if (budget.taken > 0 && frameBytes > budget.bytes) return 'done';
      if (verify && !frameIsIntact(reader.buffer, reader.at, frameBytes)) {
        throw corruptFrame(path, reader.position, walk.offset, 'failed its CRC32 check');
      }
      const says = frameOffset(reader.buffer, reader.at);
      if (says !== walk.offset) throw corruptFrame(path, reader.position, walk.offset, `says offset ${says}`);
      take(reader.buffer, reader.at, frameBytes);
      budget.records--;
      budget.bytes -= frameBytes;
      budget.taken++;
    }
    reader.advance(frameBytes);
  }
  return 'done';
};

/**
 * `takeFrames` over a span of a segment file, from its index entry. Opens its own file
 * handle, so a roll or retention cannot close it underneath, and needs nothing but the span:
 * a reader on another thread than the log's reads the files this way.
 */
export const readSpan = async (
  span: SegmentSpan,
  from: number,
  end: number,
  budget: ReadBudget,
  chunkBytes: number,
  take: FrameTaker,
  verify: boolean,
): Promise<void> => {
  const handle = await open(span.path, 'r');
  try {
    const reader = new FrameReader(handle.fd, span.position, span.size, chunkBytes, false);
    const walk: FrameWalk = { offset: span.offset };
    while (takeFrames(reader, walk, from, end, budget, take, verify, span.path) === 'fill')
      await reader.fill();
  } finally {
    await handle.close();
  }
};

const corruptFrame = (path: string, position: number, offset: number, problem: string): TributaryError =>
  new TributaryError(
    'TRB_LOG_CORRUPT',
    `${path} at byte ${position}: the record for offset ${offset} ${problem}, so the disk changed ` +
      'it after it was written; restore the partition from a backup, or move this segment and the ones after ' +
      'it away to drop them (the log reopens at the last intact record)',
  );

/** The buffers still to write after a short writev of `written` bytes. */
const remainder = (buffers: readonly Buffer[], written: number): Buffer[] => {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
    } else {
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
  }
  return rest;
};
