/**
 * Avro schemas as avsc types that read what the engine wants and cost what the bytes
 * say: records as plain objects, longs exact (long-type.ts), arrays and maps bounded by
 * their bytes (bounded-blocks.ts). Logical types are left as their underlying values:
 * timestamp-millis is a number of ms, a decimal its bytes. A union is its branch's value
 * (`null`, or the record) unless two branches take the same kind of JavaScript value, as
 * ["int", "long"] or two records do: then it is wrapped, `{ "long": 5 }`, as avsc does.
 */
import avsc from 'avsc';
import { BoundedArrayType, BoundedMapType } from './bounded-blocks.js';
import { exactLongType } from './long-type.js';

type SchemaNode = avsc.Schema | string;

/**
 * avsc makes a record a class instance; the engine, its expressions and JSON expect plain
 * objects. Giving the generated class Object.prototype makes `new` build plain objects:
 * the class's constructor still sets the fields, in schema order, as fast as before.
 */
const plainRecord = (schema: avsc.Schema, options: Partial<avsc.ForSchemaOptions>): avsc.Type => {
  const type = new avsc.types.RecordType(schema, options);
  type.recordConstructor.prototype = Object.prototype;
  return type;
};

const NUMBERS = new Set(['int', 'float', 'double']);
const typeNameOf = (branch: unknown) =>
  typeof branch === 'string' ? branch : (branch as { type?: unknown } | null)?.type;

/**
 * avsc wraps a union whose branches a value cannot tell apart (`{"int": 1}`), and finds
 * them by the kind of JavaScript value each takes. The exact long hides that it takes
 * numbers, so a union of it and another number type is wrapped here, as avsc would.
 */
const needsWrapping = (branches: readonly unknown[]): boolean =>
  branches.some((branch) => typeNameOf(branch) === 'long') &&
  branches.some((branch) => NUMBERS.has(typeNameOf(branch) as string));

const typeHook = (schema: SchemaNode, options: Partial<avsc.ForSchemaOptions>): avsc.Type | undefined => {
  if (schema === 'long') return exactLongType;
  if (Array.isArray(schema)) {
    return needsWrapping(schema) ? new avsc.types.WrappedUnionType(schema, options) : undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  switch ((schema as { type?: unknown }).type) {
    case 'long':
      return exactLongType;
    case 'array':
      return new BoundedArrayType(schema, options);
    case 'map':
      return new BoundedMapType(schema, options);
    case 'record':
    case 'error':
      return plainRecord(schema, options);
    default:
      return undefined;
  }
};

/** Parses an Avro schema (its JSON text or the parsed JSON); throws avsc's error for one that is not valid. */
export const avroType = (schema: string | object): avsc.Type =>
  avsc.Type.forSchema(
    (typeof schema === 'string' ? JSON.parse(schema) : schema) as avsc.Schema,
    {
      typeHook,
      omitRecordMethods: true,
    } as Partial<avsc.ForSchemaOptions> as avsc.ForSchemaOptions,
  );
