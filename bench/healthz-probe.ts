/**
 * The client side of `healthz-under-load`, in a process of its own so that a stalled server
 * cannot also stall the clock that measures it: GETs the URL one request after another
 * (keep-alive) until stdin closes, then prints every sample as JSON,
 * `[[sentAt ms since the epoch, latency ms], …]`.
 */
import { Agent, get } from 'node:http';

const url = process.argv[2];
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const samples: [number, number][] = [];
let running = true;
process.stdin.on('end', () => {
  running = false;
});
process.stdin.resume();

const once = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const started = performance.now();
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        samples.push([sentAt, performance.now() - started]);
        resolve();
      });
    }).on('error', reject);
  });

while (running) {
  await once();
  await new Promise((resolve) => setTimeout(resolve, 2));
}
agent.destroy();
process.stdout.write(JSON.stringify(samples));
