import { type TSchema, Type } from 'typebox';

// Field shapes the contract's schemas share. `null` goes first in unions: the serializer
// tries members in order and would print a null as 0 if `number` came first.
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
/** Arrays in answers are readonly: the platform hands out its own, typed readonly. */
export const List = <T extends TSchema>(items: T) => Type.Immutable(Type.Array(items));
export const Count = Type.Number({ minimum: 0 });
export const Millis = Type.Number({ description: 'ms since the epoch' });

/**
 * A number that can be NaN in the process (the bound of a level a rule no longer has, a
 * value the store kept as null). JSON has no NaN: on the wire it is null. Answers holding
 * one are written with JSON.stringify, which prints null, where the compiled serializer
 * would throw.
 */
export const LooseNumber = (description?: string) =>
  Type.Unsafe<number>({ type: ['number', 'null'], ...(description && { description }) });

/** Label names to values, as alerts and silences carry them. */
export const LabelsSchema = Type.Record(Type.String(), Type.String());
