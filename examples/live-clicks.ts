/**
 * A live engine demo: simulated click events stream in real time (slightly out of
 * order, with a few malformed ones) and two pipelines aggregate them over 10-second
 * event-time windows. Press Ctrl-C to stop.
 *
 *   npm start                      # 2,000 clicks/s
 *   CLICKS_PER_SECOND=20000 npm start
 */
import {
  boundedOutOfOrderness,
  compile,
  count,
  type DeadLetter,
  distinctCount,
  type JobOutput,
  percentile,
  pipeline,
  toRecords,
  tumbling,
} from '../src/index.js';

interface Click {
  user: string;
  page: string;
  ts: number;
  dwellMs: number;
}

const perSecond = Number(process.env.CLICKS_PER_SECOND ?? 2_000);
const pages = ['/home', '/search', '/product/42', '/product/7', '/cart', '/checkout', '/help'];
const users = Array.from({ length: 200 }, (_, i) => `user-${i + 1}`);

const plan = pipeline('clicks')
  .source<Click>('clicks', { time: (c) => c.ts, watermark: boundedOutOfOrderness('2s') })
  .validate((c) => (typeof c.user === 'string' ? true : 'user: missing; every click needs a user id'))
  .keyBy((c) => c.user)
  .window(tumbling('10s'), { lateness: '5s' })
  .aggregate({
    clicks: count(),
    pages: distinctCount((c) => c.page),
    p99DwellMs: percentile((c) => c.dwellMs, 0.99),
  })
  .sink('clicks-per-user')
  .build();

const topPages = pipeline('top-pages')
  .source<Click>('clicks', { time: (c) => c.ts, watermark: boundedOutOfOrderness('2s') })
  .filter((c) => typeof c.page === 'string')
  .keyBy((c) => c.page)
  .window(tumbling('10s'))
  .aggregate({ views: count(), visitors: distinctCount((c) => c.user) })
  .sink('top-pages')
  .build();

const jobs = [compile(plan), compile(topPages)];

type UserWindow = {
  key: string;
  start: number;
  end: number;
  clicks: number;
  pages: number;
  p99DwellMs: number;
};
type PageWindow = { key: string; start: number; end: number; views: number; visitors: number };
const perUser = new Map<number, UserWindow[]>();
const perPage = new Map<number, PageWindow[]>();
const deadLetters: DeadLetter[] = [];
let lateEvents = 0;
let produced = 0;

const output: JobOutput = {
  sink(name, batch) {
    for (const { value } of toRecords(batch)) {
      const target = (name === 'top-pages' ? perPage : perUser) as Map<number, unknown[]>;
      const start = (value as { start: number }).start;
      if (!target.has(start)) target.set(start, []);
      target.get(start)!.push(value);
    }
  },
  deadLetter(letter) {
    deadLetters.push(letter);
  },
  late() {
    lateEvents++;
  },
};

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() ** 2 * items.length)];

/** One tick's worth of clicks: event times up to 3 s in the past, so some arrive late. */
const generate = (n: number): Click[] => {
  const now = Date.now();
  const clicks: Click[] = [];
  for (let i = 0; i < n; i++) {
    clicks.push({
      user: pick(users),
      page: pick(pages),
      ts: now - Math.floor(Math.random() * 3_000),
      dwellMs: Math.round(200 + Math.random() ** 3 * 20_000),
    });
  }
  // Now and then a malformed click: it must end up as a dead letter, not stop the stream.
  if (Math.random() < 0.05) clicks.push({ page: '/home', ts: now } as Click);
  return clicks;
};

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Windows already printed; results for them that arrive later are allowed-lateness updates. */
const printed = new Set<number>();
let lateUpdates = 0;

const report = () => {
  const closed = perUser.size > 0 && [...perUser.keys()].some((start) => !printed.has(start));
  for (const [start, windows] of [...perUser].sort(([a], [b]) => a - b)) {
    perUser.delete(start);
    if (printed.has(start)) {
      lateUpdates += windows.length;
      continue;
    }
    printed.add(start);
    const top = windows.sort((a, b) => b.clicks - a.clicks).slice(0, 3);
    const total = windows.reduce((sum, w) => sum + w.clicks, 0);
    console.log(
      `window ${time(start)}–${time(windows[0].end)}  ${total} clicks from ${windows.length} users`,
    );
    console.log(
      `  top users: ${top.map((w) => `${w.key} ${w.clicks} clicks on ${w.pages} pages, p99 dwell ${Math.round(w.p99DwellMs)} ms`).join('; ')}`,
    );
  }
  for (const [start, windows] of perPage) {
    perPage.delete(start);
    const top = windows.sort((a, b) => b.views - a.views).slice(0, 3);
    console.log(
      `  top pages: ${top.map((w) => `${w.key} ${w.views} views by ${w.visitors} users`).join('; ')}`,
    );
  }
  if (closed) {
    const example = deadLetters[0] ? `, e.g. ${deadLetters[0].error.message}` : '';
    console.log(
      `  so far: ${deadLetters.length} dead letters${example}; ${lateEvents} late events; ${lateUpdates} late updates`,
    );
  }
};

const tickMs = 100;
const timer = setInterval(() => {
  const clicks = generate(Math.round((perSecond * tickMs) / 1000));
  produced += clicks.length;
  for (const job of jobs) {
    job.push('clicks', { values: clicks }, output);
    job.tick(output);
  }
  report();
}, tickMs);

console.log(
  `Tributary engine demo: ${perSecond} clicks/s, 10 s windows, 2 s out-of-orderness. Ctrl-C to stop.`,
);
process.on('SIGINT', () => {
  clearInterval(timer);
  const [stats] = jobs.map((j) => j.stats());
  console.log(`\nstopped after ${produced} clicks; ${lateEvents} late events; operators:`);
  for (const node of stats)
    console.log(
      `  ${node.id.padEnd(24)} in ${node.recordsIn}  out ${node.recordsOut}  dead letters ${node.deadLetters}`,
    );
  process.exit(0);
});
