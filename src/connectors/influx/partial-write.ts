import type { FieldType, PointField } from './line-protocol.js';
import type { WriteAnswer } from './write-endpoint.js';

/**
 * What InfluxDB said when it refused some lines of a write (400; v2 also 422). Observed of
 * InfluxDB 1.6:
 *
 *   partial write: field type conflict: input field "v" on measurement "m" is type string, already exists as type float dropped=2
 *   partial write: unable to parse 'm,k=b v= 3000': missing field value\nunable to parse 'x': invalid field format dropped=0
 *   unable to parse 'bad1': missing fields\nunable to parse 'bad2': missing fields
 *
 * Lines it cannot parse are quoted, each with its reason, and never counted in `dropped`;
 * `dropped` counts the parsed points the store refused (a field type conflict, beyond the
 * retention policy, …), of which at most one field is named; when the store refused some,
 * the lines that did not parse go unmentioned. Without `dropped` nothing says whether the
 * other lines were written.
 */
export interface Refusal {
  readonly message: string;
  /** The store refused this many parsed points; undefined when the message does not say. */
  readonly dropped: number | undefined;
  /** The field the store named, and the type of the input it refused (absent: any type, e.g. an invalid name). */
  readonly field?: { readonly name: string; readonly type?: FieldType };
}

const DROPPED = /\bdropped=(\d+)\s*$/;
const FIELD =
  /input field "((?:[^"\\]|\\.)*)" on measurement "(?:[^"\\]|\\.)*" is (?:type (float|integer|string|boolean|unsigned)|invalid)/;
const UNPARSED = "unable to parse '";
const REASON_END = "': ";

export const readRefusal = (message: string): Refusal => {
  const dropped = DROPPED.exec(message);
  const field = FIELD.exec(message);
  return {
    message,
    dropped: dropped ? Number(dropped[1]) : undefined,
    ...(field ? { field: { name: field[1], ...(field[2] ? { type: field[2] as FieldType } : {}) } } : {}),
  };
};

/**
 * The lines of `lines` that the message quotes as unparsable, each with its own part of the
 * message. A line may hold `': ` itself, so each quote is tried at every such end until the
 * text is one of the lines sent.
 */
export const unparsedLines = (message: string, lines: ReadonlySet<string>): Map<string, string> => {
  const found = new Map<string, string>();
  for (let at = message.indexOf(UNPARSED); at !== -1; at = message.indexOf(UNPARSED, at + 1)) {
    const start = at + UNPARSED.length;
    for (
      let end = message.indexOf(REASON_END, start);
      end !== -1;
      end = message.indexOf(REASON_END, end + 1)
    ) {
      const line = message.slice(start, end);
      if (!lines.has(line)) continue;
      const next = message.indexOf(`\n${UNPARSED}`, end);
      const reason = message
        .slice(end + REASON_END.length, next === -1 ? undefined : next)
        .replace(DROPPED, '');
      found.set(line, `unable to parse '${line}': ${reason.trim()}`);
      break;
    }
  }
  return found;
};

/** Whether a point has the field the store named, of the type it refused. */
export const hasRefusedField = (
  fields: readonly PointField[],
  field: NonNullable<Refusal['field']>,
): boolean =>
  fields.some(([name, type]) => name === field.name && (field.type === undefined || field.type === type));

/** A line the server refused, and why in its words. */
export interface Refused<P> {
  readonly point: P;
  readonly message: string;
}

/**
 * Writes `points` and returns those the server refused, each with the server's message; the
 * others are written. When the answer does not say which lines it refused, the lines not yet
 * accounted for are sent again — halved when nothing was learned — until it does: a point
 * written twice is overwritten with itself (same series, tags and time), so asking again
 * costs requests, never data. One refused line among n costs about 2·log2(n) requests; a
 * refusal the message attributes costs none (lines it quotes, every point dropped) or one
 * (as many points as have the field it names: the others are sent again, as the message
 * may have left out lines that did not parse).
 */
export const writePoints = async <P extends { readonly line: string }>(
  points: readonly P[],
  post: (body: string, count: number) => Promise<WriteAnswer>,
  fieldsOf: (point: P) => readonly PointField[],
): Promise<Refused<P>[]> => {
  if (points.length === 0) return [];
  const answer = await post(points.map((p) => p.line).join('\n'), points.length);
  if (answer.written) return [];
  const { message } = answer;
  const again = (rest: readonly P[]) => writePoints(rest, post, fieldsOf);
  const halves = async (rest: readonly P[]) => {
    const half = Math.ceil(rest.length / 2);
    return [...(await again(rest.slice(0, half))), ...(await again(rest.slice(half)))];
  };
  const all = (rest: readonly P[]): Refused<P>[] => rest.map((point) => ({ point, message }));
  if (answer.status === 413) return points.length === 1 ? all(points) : halves(points);

  const refusal = readRefusal(message);
  const unparsed = unparsedLines(message, new Set(points.map((p) => p.line)));
  const refused: Refused<P>[] = [];
  const rest: P[] = [];
  for (const point of points) {
    const reason = unparsed.get(point.line);
    if (reason === undefined) rest.push(point);
    else refused.push({ point, message: reason });
  }
  if (rest.length === 0) return refused;
  // A quote that matched no line sent leaves `dropped` short of what was refused.
  const quotesAll = countOf(message, UNPARSED) === unparsed.size;
  const { dropped, field } = refusal;
  if (dropped !== undefined && quotesAll) {
    if (dropped === 0) return refused;
    if (dropped === rest.length) return [...refused, ...all(rest)];
    const named = new Set(field ? rest.filter((p) => hasRefusedField(fieldsOf(p), field)) : []);
    if (named.size === dropped) {
      // A message about refused points leaves out the lines that did not parse (InfluxDB 1.6,
      // seen): what is left is sent again, to learn that it was written.
      const left = rest.filter((p) => !named.has(p));
      return [...refused, ...all([...named]), ...(await again(left))];
    }
  }
  if (refused.length > 0) return [...refused, ...(await again(rest))];
  return rest.length === 1 ? all(rest) : halves(rest);
};

const countOf = (text: string, part: string): number => {
  let count = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + part.length)) count++;
  return count;
};

/** What to do about a refused point, by what the server said. */
export const refusalFix = (message: string): string => {
  if (message.includes('field type conflict'))
    return 'a field keeps the type it was first written with in each shard: write it with one type (numbers are floats unless listed in integer_fields), or to another measurement';
  if (message.includes('beyond retention'))
    return "the point's time is older than the retention policy keeps";
  if (message.includes('unable to parse')) return 'the line is quoted as it was sent';
  return 'the other points were written';
};
