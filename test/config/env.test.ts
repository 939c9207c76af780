// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} references in configuration text are what these tests are about
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_OVERRIDES, formatIssue, parseConfig } from '../../src/config/index.js';

const load = (yaml: string, env: Record<string, string>) =>
  parseConfig(yaml, { file: '/etc/tributary/pipelines.yaml', env, cwd: '/home/me' });

const messages = async (yaml: string, env: Record<string, string>) => {
  const error = await load(yaml, env).catch((e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error('expected a ConfigError');
  return error.issues.map(formatIssue);
};

describe('${ENV} substitution', () => {
  it('puts variables into values, typed as YAML would type them when unquoted', async () => {
    const config = await load(
      `server:
  port: \${APP_PORT}
  host: "\${APP_HOST}"
  cors_origins: ["https://\${DOMAIN}", '\${DOMAIN}:8443']
sources:
  gen: { type: generator, generator: clicks, rate: \${RATE} }
`,
      { APP_PORT: '9000', APP_HOST: '0.0.0.0', DOMAIN: 'example.com', RATE: '2.5' },
    );
    expect(config.server).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      corsOrigins: ['https://example.com', 'example.com:8443'],
    });
    expect(config.sources.gen).toEqual({ type: 'generator', generator: 'clicks', rate: 2.5 });
  });

  it('works inside flow mappings, where a bare { would otherwise open a mapping', async () => {
    const config = await load('store: { type: postgres, url: ${DATABASE_URL_FILE} }\n', {
      DATABASE_URL_FILE: 'postgres://u:p@db:5432/results',
    });
    expect(config.store).toEqual({ type: 'postgres', url: 'postgres://u:p@db:5432/results' });
  });

  it('uses the default when the variable is unset (or, with :-, empty)', async () => {
    const yaml = 'server: { port: ${P:-8081}, host: ${H-localhost} }\ndata_dir: ${D:-}/data\n';
    expect((await load(yaml, {})).server).toMatchObject({ port: 8081, host: 'localhost' });
    expect((await load(yaml, { P: '', H: 'h' })).server).toMatchObject({ port: 8081, host: 'h' });
    // `${H-x}` takes the empty value as given; an empty host is then invalid.
    expect(await messages(yaml, { H: '' })).toEqual([
      '/etc/tributary/pipelines.yaml:1: server.host: must not be empty',
    ]);
    expect((await load(yaml, {})).dataDir).toBe('/data');
  });

  it('never lets a value change the structure of the file', async () => {
    const config = await load('server: { host: ${EVIL} }\n', { EVIL: 'x, port: 1 }\nlog: {fsync: never' });
    expect(config.server).toMatchObject({ host: 'x, port: 1 }\nlog: {fsync: never', port: 8080 });
    expect(config.log.fsync).toBe('interval');
  });

  it('keeps $${...} as a literal ${...} and ignores references in comments', async () => {
    const config = await load(
      `# set \${NOT_SET} before starting
sources:
  app: { type: file, path: "./$\${HOME}.log" }
`,
      {},
    );
    expect(config.sources.app).toEqual({ type: 'file', path: '/etc/tributary/${HOME}.log', format: 'json' });
  });

  it('substitutes in expressions too', async () => {
    const config = await load(
      `sources:
  a: { type: http }
pipelines:
  - name: p
    source: a
    steps:
      - filter: "price > \${MIN_PRICE}"
    sink: out
`,
      { MIN_PRICE: '10.0' },
    );
    expect(config.pipelines[0].plan.nodes.find((n) => n.kind === 'filter')?.describe).toBe('price > 10.0');
  });

  it('names every unset variable with its line', async () => {
    expect(await messages('server:\n  port: ${PORT_X}\n  host: ${HOST_X}\n# ${IN_COMMENT}\n', {})).toEqual([
      '/etc/tributary/pipelines.yaml:2: server.port: environment variable PORT_X is not set; set it, or give a default: ${PORT_X:-value}',
      '/etc/tributary/pipelines.yaml:3: server.host: environment variable HOST_X is not set; set it, or give a default: ${HOST_X:-value}',
    ]);
  });
});

describe('environment overrides', () => {
  const FILE = `server: { host: 127.0.0.1, port: 8080, api_keys: "file-key:read" }
data_dir: ./state
store: { type: embedded, retention: 30d }
sources:
  sensors: { type: mqtt, url: mqtt://file-broker:1883, topic: sensors/# }
  plant: { type: mqtt, topic: plant/# }
  clicks: { type: generator, generator: clicks }
`;

  it('leaves the file as it is without them', async () => {
    const config = await load(FILE, {});
    expect(config.server).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      apiKeys: [{ key: 'file-key', scopes: ['read'] }],
    });
    expect(config.dataDir).toBe('/etc/tributary/state');
    expect(config.store).toEqual({ type: 'embedded', retentionMs: 30 * 86_400_000 });
    expect(config.sources.sensors).toMatchObject({ url: 'mqtt://file-broker:1883' });
    expect(config.sources.plant).toMatchObject({ url: 'mqtt://127.0.0.1:1883' });
  });

  it('win over the file', async () => {
    const config = await load(FILE, {
      PORT: '9090',
      HOST: '0.0.0.0',
      TRIBUTARY_DATA_DIR: 'var/tributary',
      TRIBUTARY_API_KEYS: 'k1:read,ingest;k2:admin',
      DATABASE_URL: 'postgres://app@db/results',
      MQTT_URL: 'mqtts://broker:8883',
    });
    expect(config.server).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      apiKeys: [
        { key: 'k1', scopes: ['read', 'ingest'] },
        { key: 'k2', scopes: ['admin'] },
      ],
    });
    // A relative directory from the environment is relative to the working directory.
    expect(config.dataDir).toBe('/home/me/var/tributary');
    // The store becomes PostgreSQL, keeping the file's retention.
    expect(config.store).toEqual({
      type: 'postgres',
      url: 'postgres://app@db/results',
      retentionMs: 30 * 86_400_000,
    });
    expect(config.sources.sensors).toMatchObject({ url: 'mqtts://broker:8883' });
    expect(config.sources.plant).toMatchObject({ url: 'mqtts://broker:8883' });
    expect(config.sources.clicks).toEqual({ type: 'generator', generator: 'clicks', rate: 100 });
  });

  it('apply with no file settings at all, and treat empty variables as unset', async () => {
    const config = await load('', { PORT: '3000', HOST: '', DATABASE_URL: '' });
    expect(config.server).toMatchObject({ port: 3000, host: '127.0.0.1' });
    expect(config.store).toEqual({ type: 'embedded' });
  });

  it('are validated like the file, and errors name the variable', async () => {
    expect(
      await messages(FILE, { PORT: '99999', DATABASE_URL: 'mysql://x', MQTT_URL: 'broker:1883' }),
    ).toEqual([
      '/etc/tributary/pipelines.yaml: environment variable PORT: server.port: must be at most 65535, got 99999',
      '/etc/tributary/pipelines.yaml: environment variable DATABASE_URL: store.url: "mysql:" is not a PostgreSQL URL; use postgres://user:password@host:5432/db',
      '/etc/tributary/pipelines.yaml: environment variable MQTT_URL: sources.sensors.url: "broker:1883" is not a broker URL; use e.g. mqtt://127.0.0.1:1883',
      '/etc/tributary/pipelines.yaml: environment variable MQTT_URL: sources.plant.url: "broker:1883" is not a broker URL; use e.g. mqtt://127.0.0.1:1883',
    ]);
  });

  it("REDIS_URL replaces redis.url, keeping the file's other redis settings, or makes the section", async () => {
    const file = 'redis: { url: "redis://file-cache:6379", prefix: staging, latest_ttl: 5m }\n';
    expect((await load(file, { REDIS_URL: 'redis://:pw@env-cache:6379/1' })).redis).toEqual({
      url: 'redis://:pw@env-cache:6379/1',
      prefix: 'staging',
      latestTtlMs: 300_000,
    });
    // As with DATABASE_URL, the variable alone is enough: the deployment's processes need nothing else.
    expect((await load('', { REDIS_URL: 'redis://env-cache:6379' })).redis).toEqual({
      url: 'redis://env-cache:6379',
      prefix: 'tributary',
      latestTtlMs: 3_600_000,
    });
    expect((await load(file, { REDIS_URL: '' })).redis?.url).toBe('redis://file-cache:6379');
  });

  it('REDIS_URL is validated like redis.url, and its error names the variable', async () => {
    expect(await messages('', { REDIS_URL: 'http://cache:6379' })).toEqual([
      '/etc/tributary/pipelines.yaml: environment variable REDIS_URL: redis.url: "http:" is not a Redis URL; use redis://host:6379 (rediss:// for TLS)',
    ]);
  });

  it('are listed for the docs', () => {
    expect(ENV_OVERRIDES.map((o) => o.name)).toEqual([
      'PORT',
      'HOST',
      'TRIBUTARY_DATA_DIR',
      'TRIBUTARY_API_KEYS',
      'DATABASE_URL',
      'REDIS_URL',
      'MQTT_URL',
      'KAFKA_BROKERS',
      'LOG_LEVEL',
    ]);
  });
});
