import { crc32Of } from './crc32.js';

/**
 * Offset → file position for every record that starts `intervalBytes` or more after the
 * previous entry, so a read from any offset scans at most one interval before it reaches
 * the record it wants. Offsets are kept relative to the segment's base (u32) and positions
 * as doubles: 12 bytes per entry, about 0.3 % of the log at the default 4 KiB interval.
 */
export class SparseIndex {
  readonly baseOffset: number;
  private relativeOffsets: Uint32Array;
  private positions: Float64Array;
  private count = 0;

  constructor(baseOffset: number, capacity = 16) {
    this.baseOffset = baseOffset;
    this.relativeOffsets = new Uint32Array(capacity);
    this.positions = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** The position of the newest entry, or -Infinity when empty. */
  get lastPosition(): number {
    return this.count === 0 ? Number.NEGATIVE_INFINITY : this.positions[this.count - 1];
  }

  /** Adds an entry; offsets and positions must grow. */
  add(offset: number, position: number): void {
    if (this.count === this.positions.length) {
      const offsets = new Uint32Array(this.count * 2);
      const positions = new Float64Array(this.count * 2);
      offsets.set(this.relativeOffsets);
      positions.set(this.positions);
      this.relativeOffsets = offsets;
      this.positions = positions;
    }
    this.relativeOffsets[this.count] = offset - this.baseOffset;
    this.positions[this.count] = position;
    this.count++;
  }

  /** The newest entry at or before `offset`, or the segment start when there is none. */
  floor(offset: number): { offset: number; position: number } {
    const relative = offset - this.baseOffset;
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.relativeOffsets[mid] <= relative) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.relativeOffsets[found], position: this.positions[found] };
  }

  /** Forgets the entries at or after `position` (their records were truncated away). */
  dropFrom(position: number): void {
    while (this.count > 0 && this.positions[this.count - 1] >= position) this.count--;
  }

  entry(i: number): { offset: number; position: number } {
    return { offset: this.baseOffset + this.relativeOffsets[i], position: this.positions[i] };
  }
}

/** What a segment's `.index` file says about the first `coveredBytes` of the segment. */
export interface IndexFileContent {
  readonly coveredBytes: number;
  readonly nextOffset: number;
  readonly maxTimestamp: number;
  readonly index: SparseIndex;
}

/*
 * `<baseOffset>.index` (little-endian): u32 magic · u32 version · f64 base offset ·
 * f64 covered bytes · f64 next offset · f64 max timestamp · u32 entry count ·
 * entries (u32 relative offset · f64 position) · u32 CRC32 of everything before it.
 *
 * It is written only after the segment bytes it covers were fsynced, and it is a cache:
 * when it is missing, torn or does not match its segment, the segment is scanned instead.
 */
const MAGIC = 0x5452_4258; // 'TRBX'
const VERSION = 1;
const HEADER_BYTES = 44;
const ENTRY_BYTES = 12;

export const encodeIndexFile = (content: IndexFileContent): Buffer => {
  const { index } = content;
  const buffer = Buffer.alloc(HEADER_BYTES + index.length * ENTRY_BYTES + 4);
  buffer.writeUInt32LE(MAGIC, 0);
  buffer.writeUInt32LE(VERSION, 4);
  buffer.writeDoubleLE(index.baseOffset, 8);
  buffer.writeDoubleLE(content.coveredBytes, 16);
  buffer.writeDoubleLE(content.nextOffset, 24);
  buffer.writeDoubleLE(content.maxTimestamp, 32);
  buffer.writeUInt32LE(index.length, 40);
  for (let i = 0; i < index.length; i++) {
    const { offset, position } = index.entry(i);
    buffer.writeUInt32LE(offset - index.baseOffset, HEADER_BYTES + i * ENTRY_BYTES);
    buffer.writeDoubleLE(position, HEADER_BYTES + i * ENTRY_BYTES + 4);
  }
  const end = buffer.length - 4;
  buffer.writeUInt32LE(crc32Of(buffer, 0, end), end);
  return buffer;
};

/** The content of an index file, or undefined when it is not a whole, valid index of this segment. */
export const decodeIndexFile = (buffer: Buffer, baseOffset: number): IndexFileContent | undefined => {
  if (buffer.length < HEADER_BYTES + 4) return undefined;
  if (buffer.readUInt32LE(0) !== MAGIC || buffer.readUInt32LE(4) !== VERSION) return undefined;
  const count = buffer.readUInt32LE(40);
  if (buffer.length !== HEADER_BYTES + count * ENTRY_BYTES + 4) return undefined;
  const end = buffer.length - 4;
  if (crc32Of(buffer, 0, end) !== buffer.readUInt32LE(end)) return undefined;
  if (buffer.readDoubleLE(8) !== baseOffset) return undefined;
  const index = new SparseIndex(baseOffset, Math.max(count, 16));
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    index.add(baseOffset + buffer.readUInt32LE(at), buffer.readDoubleLE(at + 4));
  }
  return {
    coveredBytes: buffer.readDoubleLE(16),
    nextOffset: buffer.readDoubleLE(24),
    maxTimestamp: buffer.readDoubleLE(32),
    index,
  };
};
