/**
 * Which lines InfluxDB refused, from what it answered: the messages here are those InfluxDB
 * 1.6 gives (influx-sink.test.ts sees them from a real one); a scripted server then checks
 * that the lines are found whatever the message names, and at what cost in requests.
 */
import { describe, expect, it } from 'vitest';
import { encodePoint, type PointField, pointFields } from '../../../src/connectors/influx/line-protocol.js';
import { readRefusal, unparsedLines, writePoints } from '../../../src/connectors/influx/partial-write.js';
import type { WriteAnswer } from '../../../src/connectors/influx/write-endpoint.js';

const shape = { measurement: 'm', tags: ['key'], integerFields: [] };

describe('a refusal of InfluxDB 1.x', () => {
  it('reads the count dropped and the field named', () => {
    expect(
      readRefusal(
        'partial write: field type conflict: input field "v" on measurement "m" is type string, already exists as type float dropped=2',
      ),
    ).toMatchObject({ dropped: 2, field: { name: 'v', type: 'string' } });
    expect(
      readRefusal(
        'partial write: invalid field name: input field "time" on measurement "o" is invalid dropped=1',
      ),
    ).toMatchObject({
      dropped: 1,
      field: { name: 'time' },
    });
    expect(readRefusal("unable to parse 'bad': missing fields").dropped).toBeUndefined();
  });

  it('finds the lines it quotes, each with its own reason, even a line that holds a quote', () => {
    const lines = new Set(['m,key=b v= 3000', "m,key=it's v=1 1", 'm,key=c v=3 4000']);
    const message =
      "partial write: unable to parse 'm,key=b v= 3000': missing field value\nunable to parse 'm,key=it's v=1 1': bad timestamp dropped=0";
    expect(unparsedLines(message, lines)).toEqual(
      new Map([
        ['m,key=b v= 3000', "unable to parse 'm,key=b v= 3000': missing field value"],
        ["m,key=it's v=1 1", "unable to parse 'm,key=it's v=1 1': bad timestamp"],
      ]),
    );
  });
});

/** Points with a field `v` of the value's type; `bad` says which InfluxDB refuses, and how it says so. */
const scripted = (values: unknown[], say: (refused: string[]) => string) => {
  const points = values.map((v, i) => {
    const encoded = encodePoint({ key: `k${i}`, v }, i, undefined, shape) as { line: string };
    return { line: encoded.line, fields: pointFields({ key: `k${i}`, v }, shape) as PointField[], v };
  });
  const requests: number[] = [];
  const post = async (body: string, count: number): Promise<WriteAnswer> => {
    requests.push(count);
    const refused = body.split('\n').filter((line) => line.includes('v="') || line.includes('v=true'));
    return refused.length === 0 ? { written: true } : { written: false, status: 400, message: say(refused) };
  };
  return { points, post, requests, fieldsOf: (p: (typeof points)[number]) => p.fields };
};

const conflict = (type: string, dropped: number) =>
  `partial write: field type conflict: input field "v" on measurement "m" is type ${type}, already exists as type float dropped=${dropped}`;

describe('writing points of which InfluxDB refuses some', () => {
  it('needs one more request when the refused are as many as have the field the message names', async () => {
    const values = Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? 'text' : i));
    const { points, post, requests, fieldsOf } = scripted(values, (refused) =>
      conflict('string', refused.length),
    );
    const refused = await writePoints(points, post, fieldsOf);
    expect(refused.map((r) => r.point.v)).toEqual(Array(10).fill('text'));
    expect(refused[0].message).toBe(conflict('string', 10));
    // The 90 others are sent again: a message about a conflict leaves out lines that did not parse.
    expect(requests).toEqual([100, 90]);
  });

  it('halves what the message does not account for, down to the lines refused', async () => {
    // Two types conflict and the message names one: the count does not fit, so halves are sent.
    const values = Array.from({ length: 64 }, (_, i) => (i === 5 ? 'text' : i === 40 ? true : i));
    const { points, post, requests, fieldsOf } = scripted(values, (refused) =>
      conflict(refused.some((l) => l.includes('v="')) ? 'string' : 'boolean', refused.length),
    );
    const refused = await writePoints(points, post, fieldsOf);
    expect(refused.map((r) => [r.point.v, r.message])).toEqual([
      ['text', conflict('string', 1)],
      [true, conflict('boolean', 1)],
    ]);
    expect(requests[0]).toBe(64);
    // Each half of 32 names its one conflict; its 31 others are sent again.
    expect(requests).toEqual([64, 32, 31, 32, 31]);
  });

  it('finds a line by halving when the message names nothing, in about 2·log2(n) requests', async () => {
    const values = Array.from({ length: 1024 }, (_, i) => (i === 700 ? 'text' : i));
    const { points, post, requests, fieldsOf } = scripted(values, () => 'something went wrong');
    const refused = await writePoints(points, post, fieldsOf);
    expect(refused.map((r) => [r.point.v, r.message])).toEqual([['text', 'something went wrong']]);
    expect(requests.length).toBeLessThanOrEqual(2 * Math.log2(1024) + 1);
  });

  it('takes quoted lines out and sends the rest again when the answer does not say the rest was written', async () => {
    // As InfluxDB 2 before partial writes: the first malformed line is quoted, nothing written.
    const values = [1, 'text', 3];
    const { points, post, requests, fieldsOf } = scripted(
      values,
      (refused) => `unable to parse '${refused[0]}': invalid`,
    );
    const refused = await writePoints(points, post, fieldsOf);
    expect(refused.map((r) => r.message)).toEqual([`unable to parse '${points[1].line}': invalid`]);
    expect(requests).toEqual([3, 2]);
  });
});
