import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../src/cli/validate.js';

const example = fileURLToPath(new URL('./fixtures/example.yaml', import.meta.url));

/** Runs `tributary validate` and keeps what it prints. */
const validate = async (file: string, env: Record<string, string> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runValidate(file, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out, err };
};

describe('tributary validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-validate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a one-line summary of a good file and returns 0', async () => {
    expect(await validate(example)).toEqual({
      code: 0,
      out: [
        `${example}: OK: 2 pipelines (clicks-per-user, custom); 4 sources (clicks: generator, sensors: mqtt, app: file, orders: http); 4 sinks (per-user: store, alerts-out: log, debug: console, orders-per-customer: store); store embedded; server 127.0.0.1:8080 with 2 API keys`,
      ],
      err: [],
    });
  });

  it('prints every error as file:line: field: message and returns 1', async () => {
    const file = join(dir, 'pipelines.yaml');
    writeFileSync(
      file,
      `sources:
  clicks: { type: generator, generator: clicks }
pipelines:
  - name: p
    source: clicks
    steps:
      - key_bye: user
      - window: { tumbling: 1 minute }
        aggregate: { n: count }
    sink: out
`,
    );
    expect(await validate(file)).toEqual({
      code: 1,
      out: [],
      err: [
        `${file}:7: pipelines[0].steps[0].key_bye: unknown key "key_bye"; did you mean "key_by"?`,
        `${file}:8: pipelines[0].steps[1].window.tumbling: "1 minute" is not a duration; use "1m"`,
        `${file}: 2 errors`,
      ],
    });
  });

  it('refuses what start refuses: a server beyond loopback without API keys', async () => {
    const file = join(dir, 'open.yaml');
    writeFileSync(file, 'server: { host: 0.0.0.0 }\nsources:\n  clicks: { type: http }\n');
    const { code, out, err } = await validate(file);
    expect({ code, out }).toEqual({ code: 1, out: [] });
    expect(err).toEqual([
      expect.stringMatching(
        /^the server would listen on 0\.0\.0\.0, beyond loopback, without API keys: .* Set TRIBUTARY_API_KEYS/,
      ),
    ]);
  });

  it('says so when the file cannot be read', async () => {
    expect(await validate('/nonexistent/pipelines.yaml')).toEqual({
      code: 1,
      out: [],
      err: ['/nonexistent/pipelines.yaml: cannot read the configuration: no such file'],
    });
  });
});
