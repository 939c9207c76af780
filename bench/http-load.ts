/**
 * The load generator of the HTTP benchmarks, run as its own process so that it does not
 * share an event loop with the server it measures. Prints one JSON line:
 * `{ "requests": n, "non2xx": n, "errors": n, "seconds": s }`.
 *
 *   node dist/bench/http-load.js URL BODY_FILE SECONDS CONNECTIONS
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, bodyFile, seconds, connections] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const result = await autocannon({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/x-ndjson' },
  body,
  duration: Number(seconds),
  connections: Number(connections),
  pipelining: 1,
});
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
  })}\n`,
);
