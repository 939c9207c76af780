// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} references in configuration text are what these tests are about
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfig } from '../../src/config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../../src/demo/generators/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Every message a configuration gives, formatted as `tributary validate` prints them (with the demo's generators). */
const messagesOf = async (yaml: string, env: Record<string, string> = {}): Promise<string[]> => {
  try {
    await parseConfig(yaml, {
      file: 'pipelines.yaml',
      env,
      cwd: fixtures,
      generators: DEMO_GENERATOR_CATALOGUE,
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('the configuration loaded');
};

const SOURCES = `sources:
  clicks: { type: generator, generator: clicks }
  orders: { type: http }
`;

interface BadConfig {
  readonly what: string;
  readonly yaml: string;
  readonly env?: Record<string, string>;
  readonly messages: string[];
}

// Each bad configuration, and exactly what a user reads about it.
const BAD_CONFIGS: BadConfig[] = [
  {
    what: 'a duration written in words',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 1 minute }
        aggregate: { n: count }
    sink: out
`,
    messages: [
      'pipelines.yaml:9: pipelines[0].steps[1].window.tumbling: "1 minute" is not a duration; use "1m"',
    ],
  },
  {
    what: 'a misspelt step key',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_bye: user
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0].key_bye: unknown key "key_bye"; did you mean "key_by"?',
    ],
  },
  {
    what: 'a misspelt top-level key',
    yaml: `${SOURCES}pipeline: []\n`,
    messages: ['pipelines.yaml:4: pipeline: unknown key "pipeline"; did you mean "pipelines"?'],
  },
  {
    what: 'an unknown key far from any known one',
    yaml: 'server: { colour: blue }\n',
    messages: [
      'pipelines.yaml:1: server.colour: unknown key "colour"; use one of: host, port, body_limit, cors_origins, api_keys',
    ],
  },
  {
    what: 'a missing required field',
    yaml: 'sources:\n  sensors: { type: mqtt, url: mqtt://127.0.0.1:1883 }\n',
    messages: ['pipelines.yaml:2: sources.sensors: missing required field "topic", e.g. "sensors/#"'],
  },
  {
    what: 'a pipeline reading an undeclared source',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clikcs
    sink: out
`,
    messages: [
      'pipelines.yaml:6: pipelines[0].source: "clikcs" is not a declared source (did you mean "clicks"?); declared sources: clicks, orders',
    ],
  },
  {
    what: 'an undeclared source in a union',
    yaml: `${SOURCES}pipelines:
  - name: p
    sources: [clicks, payments]
    sink: out
`,
    messages: [
      'pipelines.yaml:6: pipelines[0].sources[1]: "payments" is not a declared source; declared sources: clicks, orders',
    ],
  },
  {
    what: 'a source when none is declared',
    yaml: 'pipelines:\n  - name: p\n    source: clicks\n    sink: out\n',
    messages: [
      'pipelines.yaml:3: pipelines[0].source: "clicks" is not a declared source: there are none; declare it under sources:, e.g. clicks: { type: http }',
    ],
  },
  {
    what: 'a window without key_by',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - window: { tumbling: 1m }
        aggregate: { n: count }
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0].window: needs a key_by step right before it (windows are per key); add - key_by: <expression>',
    ],
  },
  {
    what: 'a window after key_by and a filter, which ends the keyed stream',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - filter: "price > 1.0"
      - window: { session: 30s }
        aggregate: { n: count }
    sink: out
`,
    messages: [
      'pipelines.yaml:10: pipelines[0].steps[2].window: needs a key_by step right before it (windows are per key); add - key_by: <expression>',
    ],
  },
  {
    what: 'an expression that does not parse',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - filter: "user != "
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0].filter: "user != " is not a valid expression: unexpected token: EOF at column 9',
    ],
  },
  {
    what: 'an expression that nests comprehensions past the bound on its cost',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - filter: "tags.exists(a, tags.exists(b, tags.exists(c, a + b + c == '')))"
    sink: out
`,
    messages: [
      `pipelines.yaml:8: pipelines[0].steps[0].filter: "tags.exists(a, tags.exists(b, tags.exists(c, a + b + c == '')))" nests 3 comprehensions (the exists at column 31 is inside 2); at most 2 may nest, as each level multiplies the steps per record by a list's length`,
    ],
  },
  {
    what: 'an expression whose type can never fit',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - filter: "size(user)"
      - map: "'total: ' + 1"
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0].filter: "size(user)" gives an int, but filter needs true or false',
      `pipelines.yaml:9: pipelines[0].steps[1].map: "'total: ' + 1" is not a valid expression: no such overload: string + int at column 1`,
    ],
  },
  {
    what: 'an aggregation field that is not an expression',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 1m }
        aggregate: { spend: { sum: "price *" } }
    sink: out
`,
    messages: [
      'pipelines.yaml:10: pipelines[0].steps[1].aggregate.spend.sum: "price *" is not a valid expression: unexpected token: EOF at column 8',
    ],
  },
  {
    what: 'an unset environment variable without a default',
    yaml: 'store: { type: postgres, url: ${DATABASE_URL} }\nserver:\n  port: ${PORT:-8080}\n  host: ${BIND_HOST}\n',
    messages: [
      'pipelines.yaml:1: store.url: environment variable DATABASE_URL is not set; set it, or give a default: ${DATABASE_URL:-value}',
      'pipelines.yaml:4: server.host: environment variable BIND_HOST is not set; set it, or give a default: ${BIND_HOST:-value}',
    ],
  },
  {
    what: 'a malformed variable reference',
    yaml: 'data_dir: ${not a name}\n',
    messages: [
      'pipelines.yaml:1: data_dir: ${not a name} is not a variable reference; write ${NAME} or ${NAME:-default}',
    ],
  },
  {
    what: 'a value of the wrong type',
    yaml: 'server: { port: eighty, cors_origins: "*" }\n',
    messages: [
      'pipelines.yaml:1: server.port: must be a whole number, got "eighty"',
      'pipelines.yaml:1: server.cors_origins: must be a list, got "*"',
    ],
  },
  {
    what: 'a negative rate',
    yaml: 'sources:\n  clicks: { type: generator, generator: clicks, rate: -5 }\n',
    messages: ['pipelines.yaml:2: sources.clicks.rate: must be above 0, got -5'],
  },
  {
    what: 'partition counts out of range, or not whole',
    yaml: `log: { partitions: 0 }
sources:
  clicks: { type: http, partitions: 2000 }
  orders: { type: generator, generator: clicks, partitions: 2.5 }
  app: { type: file, path: app.log, partitions: four }
`,
    messages: [
      'pipelines.yaml:1: log.partitions: must be at least 1, got 0 (a topic has 1 to 1024 partitions)',
      'pipelines.yaml:3: sources.clicks.partitions: must be at most 1024, got 2000 (a topic has 1 to 1024 partitions)',
      'pipelines.yaml:4: sources.orders.partitions: must be a whole number, got 2.5 (a topic has 1 to 1024 partitions)',
      'pipelines.yaml:5: sources.app.partitions: must be a whole number, got "four" (a topic has 1 to 1024 partitions)',
    ],
  },
  {
    what: 'partitions on a sink, which keeps the count of the topic it writes',
    yaml: 'sinks:\n  copies: { type: log, partitions: 4 }\n',
    messages: [
      'pipelines.yaml:2: sinks.copies.partitions: unknown key "partitions"; use one of: type, topic, format',
    ],
  },
  {
    what: 'avro without a schema registry, and an avro sink without a schema',
    yaml: `kafka: { brokers: "127.0.0.1:9092" }
sources:
  orders: { type: kafka, topic: orders, format: avro }
sinks:
  out: { type: kafka, format: avro }
`,
    messages: [
      'pipelines.yaml:3: sources.orders.format: avro values name their schemas in a registry: add the schema_registry: section (schema_registry: { url: http://127.0.0.1:8081 })',
      'pipelines.yaml:5: sinks.out.format: avro values name their schemas in a registry: add the schema_registry: section (schema_registry: { url: http://127.0.0.1:8081 })',
      'pipelines.yaml:5: sinks.out.format: avro needs the schema results are written with: add schema: { type: record, name: …, fields: [...] } to the sink',
    ],
  },
  {
    what: 'redis sink options of another mode',
    yaml: `sinks:
  latest: { type: redis, max_len: 100 }
  feed: { type: redis, mode: stream, ttl: 1h }
`,
    messages: [
      "pipelines.yaml:2: sinks.latest.max_len: trims a stream; this sink's mode is hash: remove it, or set mode: stream",
      "pipelines.yaml:3: sinks.feed.ttl: expires a hash; this sink's mode is stream: remove it, or set mode: hash",
    ],
  },
  {
    what: 'a redis URL of another scheme',
    yaml: 'redis: { url: "http://cache:6379" }\n',
    messages: [
      'pipelines.yaml:1: redis.url: "http:" is not a Redis URL; use redis://host:6379 (rediss:// for TLS)',
    ],
  },
  {
    what: 'a redis URL that is not a URL',
    yaml: 'redis:\n  url: "127.0.0.1:6379"\n',
    messages: ['pipelines.yaml:2: redis.url: is not a URL; use redis://[user:password@]host:6379[/db]'],
  },
  {
    what: 'a redis prefix that would not be one key segment, and a TTL that is not a duration',
    yaml: 'redis: { url: "redis://cache:6379", prefix: "team a:live", latest_ttl: forever }\n',
    messages: [
      'pipelines.yaml:1: redis.prefix: "team a:live" does not match ^[A-Za-z0-9_.-]{1,64}$',
      'pipelines.yaml:1: redis.latest_ttl: "forever" is not a duration; use a string like "500ms", "10s", "1m", "1h" or "1d"',
    ],
  },
  {
    what: 'a redis section without its URL',
    yaml: 'redis: { prefix: staging }\n',
    messages: ['pipelines.yaml:1: redis: missing required field "url", e.g. "redis://127.0.0.1:6379"'],
  },
  {
    what: 'a consumer group on a pipeline that reads no Kafka',
    yaml: `sources:
  clicks: { type: http }
pipelines:
  - name: per-user
    source: clicks
    consumer_group: analytics
    steps: [{ key_by: user }, { window: { tumbling: 10s }, aggregate: { n: count } }]
    sink: per-user
`,
    messages: [
      'pipelines.yaml:6: pipelines[0].consumer_group: is the Kafka consumer group of a pipeline that reads Kafka, and this one reads no kafka source; remove it',
    ],
  },
  {
    what: 'an avro sink schema that is not Avro, and a registry URL that is not one',
    yaml: `kafka: { brokers: "127.0.0.1:9092" }
schema_registry: { url: "127.0.0.1:8081" }
sinks:
  out: { type: kafka, format: avro, schema: { type: record, name: Out, fields: [{ name: n, type: integer }] } }
`,
    messages: [
      'pipelines.yaml:2: schema_registry.url: "127.0.0.1:8081" is not a URL; give e.g. http://127.0.0.1:8081',
      expect.stringMatching(/^pipelines\.yaml:4: sinks\.out\.schema: is not an Avro schema: .*integer/),
    ],
  },
  {
    what: 'avro on an embedded-log sink',
    yaml: 'sinks:\n  copies: { type: log, format: avro }\n',
    messages: [
      expect.stringMatching(/^pipelines\.yaml:2: sinks\.copies\.format: "avro" is not a valid value/),
    ],
  },
  {
    what: 'intake on Kafka without a cluster, and a log sink nothing would read',
    yaml: `log: { type: kafka }
sources:
  orders: { type: http }
sinks:
  copies: { type: log }
`,
    messages: [
      'pipelines.yaml:1: log.type: kafka needs the kafka: section (kafka: { brokers: 127.0.0.1:9092 }) or KAFKA_BROKERS',
      'pipelines.yaml:5: sinks.copies.type: log appends to the embedded log, which no pipeline reads with log: { type: kafka }; write to a kafka sink (type: kafka) instead',
    ],
  },
  {
    what: 'a port out of range',
    yaml: 'server:\n  port: 70000\n',
    messages: ['pipelines.yaml:2: server.port: must be at most 65535, got 70000'],
  },
  {
    what: 'an unknown source type',
    yaml: 'sources:\n  events: { type: kafak, topic: events }\n',
    messages: ['pipelines.yaml:2: sources.events.type: "kafak" is not a source type; did you mean "kafka"?'],
  },
  {
    what: 'a source without a type',
    yaml: 'sources:\n  events: { topic: events }\n',
    messages: [
      'pipelines.yaml:2: sources.events: missing required field "type"; use one of: generator, mqtt, file, http, kafka',
    ],
  },
  {
    what: 'a misspelt choice',
    yaml: 'sources:\n  clicks: { type: generator, generator: click }\nlog: { fsync: allways }\n',
    messages: [
      'pipelines.yaml:2: sources.clicks.generator: "click" is not a valid value; did you mean "clicks"?',
      'pipelines.yaml:3: log.fsync: "allways" is not a valid value; did you mean "always"?',
    ],
  },
  {
    what: 'a size written in words',
    yaml: 'server: { body_limit: 16 megabytes }\nlog:\n  segment_bytes: 64M\n',
    messages: [
      'pipelines.yaml:1: server.body_limit: "16 megabytes" is not a size; use "16mb"',
      'pipelines.yaml:3: log.segment_bytes: "64M" is not a size; use "64mb"',
    ],
  },
  {
    what: 'a step with two kinds',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - filter: "price > 1.0"
        map: "price"
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0]: has both filter and map; give each its own step (- filter: …, then - map: …)',
    ],
  },
  {
    what: 'aggregations written wrongly',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 1m }
        aggregate:
          p99: { percentile: latency }
          both: { min: price, max: price }
          key: count
    sink: out
`,
    messages: [
      'pipelines.yaml:11: pipelines[0].steps[1].aggregate.p99: missing required field "q": the quantile, e.g. { percentile: latency, q: 0.99 }',
      'pipelines.yaml:12: pipelines[0].steps[1].aggregate.both: has both min and max; give one aggregation per result field, e.g. both: { min: price }',
      'pipelines.yaml:13: pipelines[0].steps[1].aggregate.key: "key" is a field of every window result (key, start, end); name the aggregation differently, e.g. "key_value"',
    ],
  },
  {
    what: 'an aggregation that needs an expression, written alone',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 1m }
        aggregate: { spend: sum }
    sink: out
`,
    messages: [
      'pipelines.yaml:10: pipelines[0].steps[1].aggregate.spend: "sum" is not a valid value; use one of: count, first, last, distinct (the others take an expression: { sum: price })',
    ],
  },
  {
    what: 'a hopping window that slides past its size',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { hopping: { size: 10s, slide: 1m } }
        aggregate: { n: count }
    sink: out
`,
    messages: [
      'pipelines.yaml:9: pipelines[0].steps[1].window.hopping: 60000ms is longer than window.size (10000ms), so records between windows would be lost; use a slide of at most the size',
    ],
  },
  {
    what: 'a window without aggregate, and aggregate without window',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
        aggregate: { n: count }
      - window: { tumbling: 1m }
    sink: out
`,
    messages: [
      'pipelines.yaml:9: pipelines[0].steps[0].aggregate: goes with window, in the same step (window: { tumbling: 1m } and aggregate: { n: count } side by side)',
      'pipelines.yaml:10: pipelines[0].steps[1]: missing required field "aggregate": what to compute per window, e.g. aggregate: { n: count }',
    ],
  },
  {
    what: 'dedupe without a key',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - dedupe: { within: 10m }
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0].dedupe: needs a key: { key: <expression>, within: 10m }, or a key_by step before it',
    ],
  },
  {
    what: 'a pipeline without source or sink',
    yaml: `${SOURCES}pipelines:\n  - name: p\n    steps: []\n`,
    messages: [
      'pipelines.yaml:5: pipelines[0]: missing required field "source" (or "sources": [a, b])',
      'pipelines.yaml:5: pipelines[0]: missing required field "sink" (or "sinks": [a, b])',
    ],
  },
  {
    what: 'two pipelines with one name',
    yaml: `${SOURCES}pipelines:
  - { name: p, source: clicks, sink: a }
  - { name: p, source: orders, sink: b }
`,
    messages: [
      'pipelines.yaml:6: pipelines[1].name: "p" is already the name of pipelines[0]; give each pipeline its own name',
    ],
  },
  {
    what: 'YAML that does not parse',
    yaml: 'server:\n  port: [8080\nlog: {}\n',
    messages: [
      'pipelines.yaml:3: the YAML does not parse: flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    what: 'a key given twice',
    yaml: 'server:\n  port: 8080\n  port: 9090\n',
    messages: [
      'pipelines.yaml:3: server.port: the YAML does not parse: map keys must be unique ("port" is given twice)',
    ],
  },
  {
    what: 'an alias bomb ("billion laughs")',
    yaml: [
      'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
      'x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'x-e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '',
    ].join('\n'),
    messages: [
      'pipelines.yaml:2: the YAML\'s aliases (*name) expand to more than 1000 values, as an alias bomb ("billion laughs") does; write the repeated settings out, or alias fewer of them',
    ],
  },
  {
    what: 'a file that is not a map',
    yaml: '- server\n',
    messages: [
      'pipelines.yaml:1: the file must be a map of settings (server:, sources:, sinks:, pipelines:, …)',
    ],
  },
  {
    what: 'API keys with a misspelt scope',
    yaml: 'server:\n  api_keys: "k3y-one:read,ingset;k3y-two:admin"\n',
    messages: ['pipelines.yaml:2: server.api_keys: "ingset" is not a scope; did you mean "ingest"?'],
  },
  {
    what: 'a store URL that is not PostgreSQL',
    yaml: 'store: { type: postgres, url: "mysql://db/results" }\n',
    messages: [
      'pipelines.yaml:1: store.url: "mysql:" is not a PostgreSQL URL; use postgres://user:password@host:5432/db',
    ],
  },
  {
    what: 'a file source with a pattern that is not a regex, or without named groups',
    yaml: `sources:
  a: { type: file, path: a.log, format: pattern, pattern: "(abc" }
  b: { type: file, path: b.log, format: pattern, pattern: "\\\\w+" }
`,
    messages: [
      'pipelines.yaml:2: sources.a.pattern: is not a regular expression: missing closing ): `(abc`',
      'pipelines.yaml:3: sources.b.pattern: has no named groups; name the parts that become fields, e.g. (?<level>\\w+)',
    ],
  },
  {
    what: 'a source name that cannot be a log topic',
    yaml: 'sources:\n  "my clicks": { type: http }\n',
    messages: [
      'pipelines.yaml:2: sources["my clicks"]: source name "my clicks" cannot be a topic name of the embedded log; use 1–200 characters of A-Z a-z 0-9 . _ -',
    ],
  },
  {
    what: 'a module that does not exist',
    yaml: `${SOURCES}pipelines:\n  - name: m\n    module: ./missing.js\n`,
    messages: [
      `pipelines.yaml:6: pipelines[0].module: "./missing.js" does not exist (looked for ${fixtures}missing.js); paths are relative to the config file`,
    ],
  },
  {
    what: 'a module without a pipeline, and one reading an undeclared source',
    yaml: `${SOURCES}pipelines:
  - name: m
    module: ./no-default.ts
  - name: n
    module: ./reads-unknown-source.ts
    steps: []
`,
    messages: [
      'pipelines.yaml:6: pipelines[0].module: "./no-default.ts": its default export is not a Pipeline or a Plan; end the module with export default pipeline("name")…sink("out")',
      'pipelines.yaml:8: pipelines[1].module: "./reads-unknown-source.ts" reads "payments" is not a declared source; declared sources: clicks, orders',
      'pipelines.yaml:9: pipelines[1].steps: does not go with module: a module pipeline is defined in ./reads-unknown-source.ts',
    ],
  },
  {
    what: 'empty sections',
    yaml: 'pipelines:\nsources:\n',
    messages: [
      'pipelines.yaml:1: pipelines: must be a list, got null',
      'pipelines.yaml:2: sources: must be an object, got null',
    ],
  },
  {
    what: 'a pipeline entry that is not a map, and a module pipeline with steps of its own',
    yaml: `${SOURCES}pipelines:
  - clicks-per-user
  - name: q
    source: clicks
    module: ./pipelines/custom.ts
`,
    messages: [
      'pipelines.yaml:5: pipelines[0]: must be an object, got "clicks-per-user"',
      'pipelines.yaml:7: pipelines[1].source: does not go with module: a module pipeline is defined in ./pipelines/custom.ts',
    ],
  },
  {
    what: 'a time expression of the wrong type next to a negative watermark',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    time: "[ts]"
    watermark: -1s
    sink: out
`,
    messages: [
      'pipelines.yaml:7: pipelines[0].time: "[ts]" gives a list, but time needs a time (ms since the epoch, an ISO-8601 string or a timestamp)',
      'pipelines.yaml:8: pipelines[0].watermark: "-1s" is not a duration; use a string like "500ms", "10s", "1m", "1h" or "1d"',
    ],
  },
  {
    what: 'steps without a kind, an empty expression and a step name used twice',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - {}
      - filter: ""
      - { name: clean, map: "event" }
      - { name: clean, map: "event" }
    sink: out
`,
    messages: [
      'pipelines.yaml:8: pipelines[0].steps[0]: a step needs one of: filter, map, validate, dedupe, key_by, window',
      'pipelines.yaml:9: pipelines[0].steps[1].filter: must not be empty',
      'pipelines.yaml:11: pipelines[0].steps[3].name: "clean" is already the name of steps[2]; give each step its own name',
    ],
  },
  {
    what: 'quantiles out of range',
    yaml: `${SOURCES}pipelines:
  - name: p
    source: clicks
    steps:
      - key_by: user
      - window: { tumbling: 1m }
        aggregate: { p: { percentile: latency, q: 99 }, ps: { percentile: latency, q: [0.5, 1.5] } }
    sink: out
`,
    messages: [
      'pipelines.yaml:10: pipelines[0].steps[1].aggregate.p.q: must be at most 1, got 99',
      'pipelines.yaml:10: pipelines[0].steps[1].aggregate.ps.q[1]: must be at most 1, got 1.5',
    ],
  },
  {
    what: 'API keys as a list, written wrongly',
    yaml: 'server:\n  api_keys: [{ key: a, scopes: [] }, { key: b, scopes: [reed] }, { key: c }]\n',
    messages: [
      'pipelines.yaml:2: server.api_keys[0].scopes: must have at least 1 item',
      'pipelines.yaml:2: server.api_keys[1].scopes[0]: "reed" is not a valid value; did you mean "read"?',
      'pipelines.yaml:2: server.api_keys[2]: missing required field "scopes" (read, ingest and/or admin)',
    ],
  },
  {
    what: 'a store with settings of the other type',
    yaml: 'store: { type: embedded, url: "postgres://db/x" }\n',
    messages: ['pipelines.yaml:1: store.url: unknown key "url"; use one of: type, retention'],
  },
  {
    what: 'a PostgreSQL store without its URL',
    yaml: 'store:\n  type: postgres\n',
    messages: ['pipelines.yaml:1: store: missing required field "url", e.g. "${DATABASE_URL}"'],
  },
  {
    what: 'a bad value from the environment, named by its variable',
    yaml: 'server: { port: 8080 }\n',
    env: { PORT: 'eighty', TRIBUTARY_API_KEYS: 'k3y-one' },
    messages: [
      'pipelines.yaml: environment variable PORT: server.port: must be a whole number, got "eighty"',
      'pipelines.yaml: environment variable TRIBUTARY_API_KEYS: server.api_keys: "k3y-…" is not key:scopes; write e.g. "<key>:read,ingest", entries separated by ;',
    ],
  },
];

describe('a bad configuration', () => {
  it.each(BAD_CONFIGS)('gives exact messages for $what', async ({ yaml, env, messages }) => {
    expect(await messagesOf(yaml, env)).toEqual(messages);
  });

  it('reports every problem of a file at once, in file order', async () => {
    const yaml = `sources:
  clicks: { type: generator, generator: clicks, rate: -5 }
server: { prot: 8080 }
pipelines:
  - name: p
    source: clicks
    steps:
      - key_bye: user
      - filter: "price >"
      - window: { tumbling: 1 minute }
        aggregate: { n: count }
    sink: out
`;
    expect(await messagesOf(yaml)).toEqual([
      'pipelines.yaml:2: sources.clicks.rate: must be above 0, got -5',
      'pipelines.yaml:3: server.prot: unknown key "prot"; did you mean "port"?',
      'pipelines.yaml:8: pipelines[0].steps[0].key_bye: unknown key "key_bye"; did you mean "key_by"?',
      'pipelines.yaml:9: pipelines[0].steps[1].filter: "price >" is not a valid expression: unexpected token: EOF at column 8',
      'pipelines.yaml:10: pipelines[0].steps[2].window.tumbling: "1 minute" is not a duration; use "1m"',
    ]);
  });

  it('refuses a file over 1 MB before parsing it', async () => {
    const keys = (n: number) =>
      `x-big:\n${Array.from({ length: n }, (_, i) => `  key${i}: ${i}`).join('\n')}\n`;
    const error = await parseConfig(keys(120_000), { file: 'pipelines.yaml', env: {} }).catch(
      (e: unknown) => e,
    );
    expect((error as ConfigError).issues).toEqual([
      {
        file: 'pipelines.yaml',
        field: '',
        message: expect.stringMatching(/^the file is 2\.1 MB; a configuration is at most 1 MB \(keep data/),
      },
    ]);
  });

  it('is one ConfigError with a code, the issues as data, and every message in its text', async () => {
    const error = await parseConfig('server: { port: -1 }\nlog: { fsync: sometimes }\n', {
      file: 'pipelines.yaml',
      env: {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('TRB_CONFIG_INVALID');
    expect(configError.domain).toBe('user');
    expect(configError.issues).toEqual([
      { file: 'pipelines.yaml', line: 1, field: 'server.port', message: 'must be at least 0, got -1' },
      {
        file: 'pipelines.yaml',
        line: 2,
        field: 'log.fsync',
        message: '"sometimes" is not a valid value; use one of: always, interval, never',
      },
    ]);
    expect(configError.message).toBe(
      '2 errors in the configuration:\n' +
        'pipelines.yaml:1: server.port: must be at least 0, got -1\n' +
        'pipelines.yaml:2: log.fsync: "sometimes" is not a valid value; use one of: always, interval, never',
    );
  });
});
