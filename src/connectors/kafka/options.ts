import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { duration } from '../../config/durations.js';
import { millis } from '../../config/units.js';
import type { ReportProblem } from '../connector.js';
import { type KafkaClusterSpec, SASL_MECHANISMS } from './cluster.js';

const closed = { additionalProperties: false } as const;

/** The `kafka:` section: the cluster every `kafka` source and sink talks to. */
export const KafkaSectionSchema = Type.Object(
  {
    brokers: Type.Union(
      [Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an ${ENV} reference, as the user writes it
        examples: ['${KAFKA_BROKERS:-127.0.0.1:9092}'],
        description: 'Bootstrap brokers, "host:port,host:port" or a list; KAFKA_BROKERS overrides it',
      },
    ),
    client_id: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'tributary',
        description: 'Prefix of the client ids brokers see',
      }),
    ),
    sasl: Type.Optional(
      Type.Object(
        {
          mechanism: Type.Enum(SASL_MECHANISMS, { description: 'SASL mechanism' }),
          username: Type.String({ minLength: 1 }),
          password: Type.String({
            minLength: 1,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an ${ENV} reference, as the user writes it
            examples: ['${KAFKA_PASSWORD}'],
            description: 'From the environment, never written in the file',
          }),
        },
        closed,
      ),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(
            Type.String({ minLength: 1, description: 'PEM file of the CA that signed the brokers' }),
          ),
          cert: Type.Optional(
            Type.String({ minLength: 1, description: 'PEM file of a client certificate (mutual TLS)' }),
          ),
          key: Type.Optional(
            Type.String({ minLength: 1, description: "PEM file of the client certificate's key" }),
          ),
          reject_unauthorized: Type.Optional(
            Type.Boolean({
              default: true,
              description: 'Refuse brokers whose certificate the CA does not vouch for',
            }),
          ),
        },
        closed,
      ),
    ),
    request_timeout: Type.Optional(duration('The longest a request to a broker waits', { default: '30s' })),
  },
  closed,
);

export type KafkaSectionFile = Static<typeof KafkaSectionSchema>;

/** The `kafka:` section resolved: brokers split, TLS files read (relative to the configuration's directory). */
export const resolveKafka = (
  section: KafkaSectionFile,
  baseDir: string,
  report: ReportProblem,
): KafkaClusterSpec => {
  const brokers = (typeof section.brokers === 'string' ? section.brokers.split(',') : section.brokers)
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker))
      report(['brokers'], `"${broker}" is not host:port; write e.g. 127.0.0.1:9092`);
  }
  const pem = (field: 'ca' | 'cert' | 'key'): string | undefined => {
    const file = section.tls?.[field];
    if (file === undefined) return undefined;
    try {
      return readFileSync(resolve(baseDir, file), 'utf8');
    } catch (error) {
      report(
        ['tls', field],
        `cannot read ${resolve(baseDir, file)}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
      return undefined;
    }
  };
  const tls = section.tls
    ? {
        rejectUnauthorized: section.tls.reject_unauthorized ?? true,
        ...withValue('ca', pem('ca')),
        ...withValue('cert', pem('cert')),
        ...withValue('key', pem('key')),
      }
    : undefined;
  return {
    brokers,
    clientId: section.client_id ?? 'tributary',
    requestTimeoutMs: millis(section.request_timeout, 30_000),
    ...(section.sasl ? { sasl: { ...section.sasl } } : {}),
    ...(tls ? { tls } : {}),
  };
};

const withValue = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
