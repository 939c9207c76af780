import { describe, expect, it } from 'vitest';
import { compile, count, pipeline, type Stream, session } from '../../../src/engine/index.js';
import { MemorySink, PipelineTest } from '../../../src/testing/index.js';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  service: string;
  ms: number;
  tags?: string[];
}

const line = (level: LogLine['level'], service: string, ms: number, tags?: string[]): LogLine => ({
  level,
  service,
  ms,
  tags,
});

describe('map, filter and flatMap', () => {
  it('map transforms every record and keeps its event time', () => {
    const t = new PipelineTest(
      pipeline('logs')
        .source<LogLine>('logs')
        .map((l) => `${l.service}:${l.ms}`)
        .sink('out'),
    );
    t.push('logs', [line('info', 'api', 12), line('warn', 'db', 340)], { timestamps: [1_000, 2_000] });
    expect(t.records('out')).toEqual([
      { value: 'api:12', timestamp: 1_000 },
      { value: 'db:340', timestamp: 2_000 },
    ]);
  });

  it('filter keeps the records the predicate accepts, in order', () => {
    const t = new PipelineTest(
      pipeline('logs')
        .source<LogLine>('logs')
        .filter((l) => l.level !== 'info')
        .sink('out'),
    );
    t.push('logs', [
      line('info', 'api', 1),
      line('error', 'api', 2),
      line('info', 'db', 3),
      line('warn', 'db', 4),
    ]);
    expect(t.values('out')).toEqual([line('error', 'api', 2), line('warn', 'db', 4)]);
  });

  it('flatMap emits zero, one or many records per input, each with the input event time', () => {
    const t = new PipelineTest(
      pipeline('logs')
        .source<LogLine>('logs')
        .flatMap((l) => l.tags ?? [])
        .sink('tags'),
    );
    t.push(
      'logs',
      [line('info', 'api', 1, ['slow', 'retry']), line('info', 'db', 2), line('info', 'db', 3, ['x'])],
      {
        timestamps: [10, 20, 30],
      },
    );
    expect(t.records('tags')).toEqual([
      { value: 'slow', timestamp: 10 },
      { value: 'retry', timestamp: 10 },
      { value: 'x', timestamp: 30 },
    ]);
  });

  it('flatMap accepts any iterable, generators included', () => {
    const t = new PipelineTest(
      pipeline('counting')
        .source<number>('n')
        .flatMap(function* (n) {
          for (let i = 1; i <= n; i++) yield i;
        })
        .sink('out'),
    );
    t.push('n', [3, 0, 1]);
    expect(t.values('out')).toEqual([1, 2, 3, 1]);
  });

  it('a flatMap that throws halfway through a record emits nothing for that record', () => {
    const t = new PipelineTest(
      pipeline('counting')
        .source<number>('n')
        .flatMap(function* (n) {
          for (let i = 1; i <= Math.abs(n); i++) {
            if (n < 0 && i === 2) throw new Error(`cannot count to ${n}`);
            yield i;
          }
        })
        .sink('out'),
    );
    t.push('n', [2, -3, 1]);
    expect(t.values('out')).toEqual([1, 2, 1]);
    expect(t.deadLetters.map((d) => [d.value, d.error.message])).toEqual([[-3, 'cannot count to -3']]);
  });

  it('a record keeps its source position through the chain', () => {
    const plan = pipeline('logs')
      .source<LogLine>('logs')
      .filter((l) => l.level === 'error')
      .flatMap((l) => [l.service, l.service])
      .sink('out')
      .build();
    const output = new MemorySink();
    compile(plan).push(
      'logs',
      {
        values: [line('info', 'api', 1), line('error', 'db', 2)],
        timestamps: [0, 0],
        positions: [{ offset: 7 }, { offset: 8 }],
      },
      output,
    );
    expect(output.records('out').map((r) => r.position)).toEqual([{ offset: 8 }, { offset: 8 }]);
  });
});

describe('validate', () => {
  it('passes records for which the check returns true, undefined or null', () => {
    const verdicts = [true, undefined, null] as const;
    const t = new PipelineTest(
      pipeline('v')
        .source<number>('n')
        .validate((n) => verdicts[n])
        .sink('out'),
    );
    t.push('n', [0, 1, 2]);
    expect(t.values('out')).toEqual([0, 1, 2]);
    expect(t.deadLetters).toEqual([]);
  });

  it('holds back a record for which the check returns a reason or false', () => {
    const t = new PipelineTest(
      pipeline('v')
        .source<LogLine>('logs')
        .validate((l) => (l.ms < 0 ? 'ms is negative' : l.service !== ''), { name: 'check-line' })
        .sink('out'),
    );
    t.push('logs', [line('info', 'api', 5), line('info', 'api', -1), line('info', '', 3)]);
    expect(t.values('out')).toEqual([line('info', 'api', 5)]);
    expect(t.deadLetters.map((d) => d.error.message)).toEqual([
      'check-line: ms is negative',
      'check-line: the record failed validation',
    ]);
  });
});

describe('keyBy', () => {
  it('attaches the key to each record without changing the value', () => {
    const t = new PipelineTest(
      pipeline('k')
        .source<LogLine>('logs')
        .keyBy((l) => l.service)
        .sink('out'),
    );
    t.push('logs', [line('info', 'api', 1), line('warn', 'db', 2)], { timestamps: [5, 6] });
    expect(t.records('out')).toEqual([
      { value: line('info', 'api', 1), timestamp: 5, key: 'api' },
      { value: line('warn', 'db', 2), timestamp: 6, key: 'db' },
    ]);
  });

  it('accepts strings, finite numbers and booleans as keys', () => {
    const keys = ['a', 42, false];
    const t = new PipelineTest(
      pipeline('k')
        .source<number>('i')
        .keyBy((i) => keys[i] as string | number | boolean)
        .sink('out'),
    );
    t.push('i', [0, 1, 2]);
    expect(t.records('out').map((r) => r.key)).toEqual(['a', 42, false]);
  });

  // Kafka's partitioner puts "user-1" in partition 0 of 4 and "user-42" in 0 too; "a" in 0,
  // "abc" in 3 (vectors of test/engine/state/murmur2.test.ts).
  it('partitioned: dead-letters a key that belongs to another partition than the job reads', () => {
    const plan = pipeline('k')
      .source<string>('users')
      .keyBy((u) => u, { partitioned: true })
      .sink('out')
      .build();
    const job = compile(plan, { partition: { partition: 0, partitions: 4 } });
    const out = new MemorySink();
    job.push('users', { values: ['user-1', 'abc', 'user-42'], timestamps: [1, 2, 3] }, out);
    expect(out.values('out')).toEqual(['user-1', 'user-42']);
    expect(out.deadLetters.map((d) => [d.value, d.error.message])).toEqual([
      [
        'abc',
        'keyBy#1: key "abc" belongs to partition 3 of 4, but the record came from partition 0: the topic is not partitioned by this key. Give records this key when they are appended (Kafka\'s partitioner places them), or drop "partitioned" from this key_by so that one task reads every partition',
      ],
    ]);
    // A job that reads every partition checks nothing.
    const all = new MemorySink();
    compile(plan).push('users', { values: ['abc'], timestamps: [1] }, all);
    expect(all.values('out')).toEqual(['abc']);
  });
});

describe('union', () => {
  it('merges the records of several streams, each batch as it comes', () => {
    const p = pipeline('all-logs');
    const web = p.source<LogLine>('web');
    const db = p.source<LogLine>('db');
    const cron = p.source<LogLine>('cron');
    web.union(db, cron).sink('all');
    const t = new PipelineTest(p);
    t.push('db', [line('info', 'db', 1)]);
    t.push('web', [line('info', 'web', 2)]);
    t.push('cron', [line('info', 'cron', 3)]);
    expect(t.values<LogLine>('all').map((l) => l.service)).toEqual(['db', 'web', 'cron']);
  });
});

describe('branch', () => {
  const triage = () => {
    const p = pipeline('triage');
    const { errors, slow, otherwise } = p.source<LogLine>('logs').branch({
      errors: (l) => l.level === 'error',
      slow: (l) => l.ms > 1_000,
    });
    errors.sink('errors');
    slow.sink('slow');
    otherwise.sink('rest');
    return new PipelineTest(p);
  };

  it('sends each record to the first branch that matches, or to otherwise', () => {
    const t = triage();
    t.push('logs', [
      line('error', 'api', 5_000), // matches both: the first branch wins
      line('info', 'api', 2_000),
      line('info', 'db', 10),
      line('error', 'db', 10),
    ]);
    expect(t.values<LogLine>('errors').map((l) => [l.service, l.ms])).toEqual([
      ['api', 5_000],
      ['db', 10],
    ]);
    expect(t.values<LogLine>('slow').map((l) => [l.service, l.ms])).toEqual([['api', 2_000]]);
    expect(t.values<LogLine>('rest').map((l) => [l.service, l.ms])).toEqual([['db', 10]]);
  });

  it('a predicate that throws dead-letters the record instead of guessing a branch', () => {
    const p = pipeline('triage');
    const { tagged, otherwise } = p
      .source<LogLine>('logs')
      .branch({ tagged: (l) => l.tags!.length > 0 }, { name: 'by-tags' });
    tagged.sink('tagged');
    otherwise.sink('rest');
    const t = new PipelineTest(p);
    t.push('logs', [line('info', 'api', 1, ['x']), line('info', 'db', 2), line('info', 'web', 3, [])]);
    expect(t.values<LogLine>('tagged').map((l) => l.service)).toEqual(['api']);
    expect(t.values<LogLine>('rest').map((l) => l.service)).toEqual(['web']);
    expect(t.deadLetters.map((d) => [d.operator, d.value])).toEqual([['by-tags', line('info', 'db', 2)]]);
  });
});

describe('retractions', () => {
  interface Visit {
    key: string;
    start: number;
    end: number;
    views: number;
  }
  /**
   * Session results that withdraw two rows: views of user a at 1 s and 8 s fire as
   * [1s,6s) and [8s,13s); a view at 5 s, late but allowed, merges them into [1s,13s).
   * `downstream` adds stateless operators after the sessions.
   */
  const mergedSessions = (downstream: (visits: Stream<Visit>) => void) => {
    const p = pipeline('visits');
    const visits = p
      .source<number>('views')
      .keyBy(() => 'a')
      .window(session('5s'), { lateness: '20s' })
      .aggregate({ views: count() }) as unknown as Stream<Visit>;
    downstream(visits);
    const t = new PipelineTest(p);
    t.push('views', [1, 8], { timestamps: [1_000, 8_000] });
    t.push('views', [20], { timestamps: [20_000] });
    t.push('views', [5], { timestamps: [5_000] });
    return t;
  };
  /** `-` for a retraction: which row kind each record of `sink` has, with its value. */
  const kinds = (t: PipelineTest, sink: string) =>
    t.records(sink).map((r) => [r.retract ? '-' : '+', r.value]);
  const span = (v: Visit) => `[${v.start / 1_000}s,${v.end / 1_000}s)`;

  it('map and flatMap keep the row kind of the record they transform', () => {
    const t = mergedSessions((visits) => {
      visits.map(span).sink('mapped');
      visits.flatMap((v) => [span(v), v.views]).sink('flat');
    });
    expect(kinds(t, 'mapped')).toEqual([
      ['+', '[1s,6s)'],
      ['+', '[8s,13s)'],
      ['-', '[1s,6s)'],
      ['-', '[8s,13s)'],
      ['+', '[1s,13s)'],
    ]);
    expect(kinds(t, 'flat').slice(4)).toEqual([
      ['-', '[1s,6s)'],
      ['-', 1],
      ['-', '[8s,13s)'],
      ['-', 1],
      ['+', '[1s,13s)'],
      ['+', 3],
    ]);
  });

  // A retraction carries the values of the row it withdraws: what passed a filter, its
  // retraction passes too, and what the filter dropped is not withdrawn downstream.
  it('filter and validate judge a retraction by the row it withdraws', () => {
    const t = mergedSessions((visits) => {
      visits
        .filter((v) => v.start !== 8_000)
        .map(span)
        .sink('filtered');
      visits
        .validate((v) => (v.views > 1 ? undefined : 'a single view'))
        .map(span)
        .sink('validated');
    });
    expect(kinds(t, 'filtered')).toEqual([
      ['+', '[1s,6s)'],
      ['-', '[1s,6s)'],
      ['+', '[1s,13s)'],
    ]);
    expect(kinds(t, 'validated')).toEqual([['+', '[1s,13s)']]);
  });

  it('keyBy, branch and union pass the row kind on', () => {
    const t = mergedSessions((visits) => {
      const keyed = visits.keyBy((v) => v.start);
      const { short, otherwise } = keyed.branch({ short: (v) => v.end - v.start <= 5_000 });
      short.map(span).sink('short');
      otherwise
        .union(keyed.filter(() => false))
        .map(span)
        .sink('long');
    });
    expect(kinds(t, 'short')).toEqual([
      ['+', '[1s,6s)'],
      ['+', '[8s,13s)'],
      ['-', '[1s,6s)'],
      ['-', '[8s,13s)'],
    ]);
    expect(kinds(t, 'long')).toEqual([['+', '[1s,13s)']]);
  });
});
