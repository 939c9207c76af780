/**
 * Arrays and maps whose reading costs no more than their bytes. Avro writes an array as
 * blocks, each a count then the items; avsc believes the count: it allocates `new
 * Array(count)` and reads `count` items even past the end of the value. Six bytes that
 * say "2^31 nulls" took a Node process to an out-of-memory abort in a test here. These
 * types refuse a block that says more items than the bytes left could hold, before
 * reading one.
 */
import avsc from 'avsc';

/** avsc's cursor over a value: the parts of it these readers use. */
interface Tap {
  readonly buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
}

interface Readable {
  _read(tap: Tap): unknown;
}

/**
 * An array of items that take no bytes (nulls, empty records) is as long as its count
 * says; past this many items it is refused, since nothing else bounds it.
 */
export const MAX_EMPTY_ITEMS = 65_536;

/** Thrown from inside avsc's reading; the format turns it into a TRB_BAD_RECORD with the offset. */
export class BlockTooLong extends Error {
  constructor(
    readonly count: number,
    readonly offset: number,
    readonly room: number,
  ) {
    super(`a block of ${count} items at byte ${offset} of the Avro body, more than the ${room} that fit`);
  }
}

/** The fewest bytes a value of the type takes: a lower bound, 0 for a type seen again inside itself. */
export const minEncodedBytes = (type: avsc.Type, seen = new Set<avsc.Type>()): number => {
  if (seen.has(type)) return 0;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avsc.types.FixedType).size;
    case 'record':
    case 'error': {
      seen.add(type);
      const fields = (type as avsc.types.RecordType).fields;
      const total = fields.reduce((sum, field) => sum + minEncodedBytes(field.type, seen), 0);
      seen.delete(type);
      return total;
    }
    default:
      // boolean, int, long, enum, string, bytes, array, map (its end marker), a union (its index).
      return type.typeName.startsWith('logical:')
        ? minEncodedBytes((type as avsc.types.LogicalType).underlyingType, seen)
        : 1;
  }
};

/** Item sizes, computed on the first read: the types are frozen, so they cannot hold them. */
const itemBytes = new WeakMap<avsc.Type, number>();

const sizeOf = (type: avsc.Type): number => {
  let bytes = itemBytes.get(type);
  if (bytes === undefined) itemBytes.set(type, (bytes = minEncodedBytes(type)));
  return bytes;
};

/** The next block's item count, refused when the rest of the value cannot hold that many. */
const blockCount = (tap: Tap, bytesPerItem: number, readSoFar: number): number => {
  let count = tap.readLong();
  if (count < 0) {
    // A negative count is followed by the block's size in bytes, for readers that skip it.
    count = -count;
    tap.skipLong();
  }
  const left = tap.buf.length - tap.pos;
  const room = bytesPerItem > 0 ? Math.max(0, Math.floor(left / bytesPerItem)) : MAX_EMPTY_ITEMS - readSoFar;
  if (count > room) throw new BlockTooLong(count, tap.pos, room);
  return count;
};

export class BoundedArrayType extends avsc.types.ArrayType {
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as Readable;
    const bytesPerItem = sizeOf(this.itemsType);
    let values: unknown[] | undefined;
    let read = 0;
    let count: number;
    while ((count = blockCount(tap, bytesPerItem, read))) {
      // Sized by the first block, as avsc does: safe now that the count is bounded.
      values ??= new Array(count);
      for (let i = 0; i < count; i++) values[read++] = items._read(tap);
    }
    return values ?? [];
  }
}

export class BoundedMapType extends avsc.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as Readable;
    // Each entry starts with its key, a string: at least one byte (its length).
    const entry: Record<string, unknown> = {};
    let count: number;
    while ((count = blockCount(tap, 1, 0))) {
      for (let i = 0; i < count; i++) {
        const key = (tap as unknown as { readString(): string }).readString();
        const value = values._read(tap);
        // An own property even for "__proto__", which assignment would take as the prototype.
        if (key === '__proto__')
          Object.defineProperty(entry, key, { value, enumerable: true, writable: true });
        else entry[key] = value;
      }
    }
    return entry;
  }
}
