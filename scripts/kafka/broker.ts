/**
 * A real Apache Kafka broker for development, tests and CI, without Docker: the jars
 * from Maven Central (install.ts), one JVM per node, each node a combined KRaft broker
 * and controller on 127.0.0.1 with a PLAINTEXT, a SASL_PLAINTEXT (SCRAM-SHA-512) and a
 * SASL_SSL (SCRAM over TLS, a self-signed certificate: tls.ts) listener.
 *
 * @example
 * const kafka = await startKafka({ dir: await mkdtemp(join(tmpdir(), 'kafka-')) });
 * // kafka.brokers: '127.0.0.1:40123'; kafka.scramBrokers: '127.0.0.1:40124'
 * await kafka.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { KafkaBrokerError } from './errors.js';
import { installKafka, kafkaClasspath, kafkaResource, type Log, logToStderr } from './install.js';
import {
  close,
  exitOf,
  freePorts,
  listen,
  logTail,
  PID_FILE,
  run,
  STOP_GRACE_MS,
  stopProcess,
} from './processes.js';
import {
  LOG4J2_PROPERTIES,
  type NodeLayout,
  SCRAM_MECHANISM,
  SCRAM_PASSWORD,
  SCRAM_USER,
  serverProperties,
} from './properties.js';
import { type ClusterTls, clusterTls } from './tls.js';

export { KafkaBrokerError } from './errors.js';
export { installKafka, KAFKA_VERSION, kafkaHome } from './install.js';
export { stopFromPidFiles } from './processes.js';
export { SCRAM_MECHANISM, SCRAM_PASSWORD, SCRAM_USER } from './properties.js';

export interface StartKafkaOptions {
  /** Node N keeps its config, data and logs (logs/server.log) in DIR/node-N. */
  readonly dir: string;
  /**
   * The first node's PLAINTEXT port. Each node takes four ports in a row from it:
   * PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, CONTROLLER (9092 → 9092-9095, 9096-9099, …). Free ports when absent.
   */
  readonly port?: number;
  /** 3: three nodes on this host, a 3-voter quorum, replication factor 3 and min ISR 2. */
  readonly nodes?: 1 | 3;
  /** -Xmx of each node. */
  readonly heapMb?: number;
  /** How long the nodes may take to accept a topic. */
  readonly readyTimeoutMs?: number;
  /** Nodes that outlive this process; stop them with stopFromPidFiles(dir) (scripts/kafka/stop.ts). */
  readonly detached?: boolean;
  readonly log?: Log;
}

export interface RunningKafka {
  /** `host:port,…` of the PLAINTEXT listeners. */
  readonly brokers: string;
  /** `host:port,…` of the SASL_PLAINTEXT listeners: SCRAM-SHA-512, user SCRAM_USER, password SCRAM_PASSWORD. */
  readonly scramBrokers: string;
  /** `host:port,…` of the SASL_SSL listeners: SCRAM as above, over TLS with the certificate in `tlsCa`. */
  readonly tlsBrokers: string;
  /** The PEM file of the cluster's self-signed certificate: what a client trusts. */
  readonly tlsCa: string;
  readonly dirs: readonly string[];
  readonly pids: readonly number[];
  /** SIGTERM, SIGKILL after 10 s, and back once every node is gone. */
  stop(): Promise<void>;
}

interface StartedNode {
  readonly layout: NodeLayout;
  readonly pid: number;
  /** Settles when the JVM exits, with its exit code or signal. */
  readonly exited: Promise<number | string>;
}

const plaintextOf = (nodes: readonly NodeLayout[]) =>
  nodes.map((n) => `127.0.0.1:${n.ports.plaintext}`).join(',');
const saslOf = (nodes: readonly NodeLayout[]) => nodes.map((n) => `127.0.0.1:${n.ports.sasl}`).join(',');
const tlsOf = (nodes: readonly NodeLayout[]) => nodes.map((n) => `127.0.0.1:${n.ports.tls}`).join(',');

/**
 * Installs Kafka when needed, starts the nodes and returns once each accepts a topic.
 * On a failure the nodes already started are killed, and the error (KafkaBrokerError)
 * carries the last lines of the broker's log.
 */
export const startKafka = async (options: StartKafkaOptions): Promise<RunningKafka> => {
  const count = options.nodes ?? 1;
  await installKafka(options.log ?? logToStderr);
  const layout = await planNodes(options.dir, count, options.port);
  const tls = await clusterTls(options.dir);
  await Promise.all(layout.map((node) => writeNodeFiles(node, layout, tls)));
  await format(layout);
  const started: StartedNode[] = [];
  try {
    for (const node of layout) started.push(await spawnNode(node, options.heapMb ?? 512, options.detached));
    await awaitReady(started, options.readyTimeoutMs ?? (count === 1 ? 120_000 : 240_000));
  } catch (error) {
    await Promise.all(started.map((node) => stopProcess(node.pid, 0)));
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    brokers: plaintextOf(layout),
    scramBrokers: saslOf(layout),
    tlsBrokers: tlsOf(layout),
    tlsCa: tls.ca,
    dirs: layout.map((node) => node.dir),
    pids: started.map((node) => node.pid),
    stop: () => (stopping ??= stopNodes(started)),
  };
};

const stopNodes = async (nodes: readonly StartedNode[]): Promise<void> => {
  await Promise.all(nodes.map((node) => stopProcess(node.pid, STOP_GRACE_MS)));
  // A pid outlives its process and may be handed to another: leave none for stop.js to find.
  await Promise.all(nodes.map((node) => rm(join(node.layout.dir, PID_FILE), { force: true })));
};

/** Runs one of Kafka's command-line tools (`org.apache.kafka.tools.TopicCommand`, …) to its end. */
export const runKafkaTool = (mainClass: string, args: readonly string[], timeoutMs = 120_000) =>
  run('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-cp', kafkaClasspath(), mainClass, ...args], {
    timeoutMs,
  });

const planNodes = async (dir: string, count: number, port: number | undefined): Promise<NodeLayout[]> => {
  const ports = port === undefined ? await freePorts(4 * count) : await claimedPorts(port, 4 * count);
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    dir: join(dir, `node-${i + 1}`),
    ports: {
      plaintext: ports[4 * i],
      sasl: ports[4 * i + 1],
      tls: ports[4 * i + 2],
      controller: ports[4 * i + 3],
    },
  }));
};

/** Refuses a taken port now, with the fix, rather than as a bind error deep in the broker's log. */
const claimedPorts = async (first: number, count: number): Promise<number[]> => {
  const ports = Array.from({ length: count }, (_, i) => first + i);
  const servers: Server[] = [];
  try {
    for (const port of ports) {
      servers.push(
        await listen(port).catch((error: unknown) => {
          throw new KafkaBrokerError(
            'KAFKA_PORT_IN_USE',
            `port ${port} on 127.0.0.1 is in use (the broker needs ${first}-${first + count - 1}): ` +
              'stop what holds it (another broker? node dist/scripts/kafka/stop.js --dir DIR) or choose another port.',
            { cause: error },
          );
        }),
      );
    }
  } finally {
    await close(servers);
  }
  return ports;
};

const writeNodeFiles = async (
  node: NodeLayout,
  all: readonly NodeLayout[],
  tls: ClusterTls,
): Promise<void> => {
  await mkdir(join(node.dir, 'logs'), { recursive: true });
  const keystore = { file: tls.keystore, password: tls.password };
  await writeFile(
    join(node.dir, 'server.properties'),
    serverProperties(node, all, join(node.dir, 'data'), keystore),
  );
  await writeFile(join(node.dir, 'log4j2.properties'), LOG4J2_PROPERTIES);
};

/**
 * Kafka's Uuid: 16 random bytes in URL-safe base64. Made here rather than with
 * `StorageTool random-uuid`, which is a JVM start (seconds) for 16 bytes. Kafka never
 * hands out one that starts with '-', since it reads like a command-line option.
 */
const newClusterId = (): string => {
  const id = randomBytes(16).toString('base64url');
  return id.startsWith('-') ? newClusterId() : id;
};

/**
 * A folder that was formatted before keeps its cluster id: formatting its other nodes
 * with a new one would fail, and `--ignore-formatted` only skips a node whose id matches.
 */
const clusterIdOf = async (nodes: readonly NodeLayout[]): Promise<string> => {
  for (const node of nodes) {
    const meta = join(node.dir, 'data', 'meta.properties');
    if (!existsSync(meta)) continue;
    const id = /^cluster\.id=(.+)$/m.exec(await readFile(meta, 'utf8'))?.[1]?.trim();
    if (id) return id;
  }
  return newClusterId();
};

/** Formats each node's storage with the SCRAM user; a folder formatted before keeps its data. */
const format = async (nodes: readonly NodeLayout[]): Promise<void> => {
  const clusterId = await clusterIdOf(nodes);
  const scram = `${SCRAM_MECHANISM}=[name=${SCRAM_USER},password=${SCRAM_PASSWORD}]`;
  await Promise.all(
    nodes.map(async (node) => {
      const config = join(node.dir, 'server.properties');
      const args = ['format', '-t', clusterId, '-c', config, '--ignore-formatted', '--add-scram', scram];
      const { code, output } = await runKafkaTool('kafka.tools.StorageTool', args);
      if (code !== 0) {
        throw new KafkaBrokerError(
          'KAFKA_FORMAT_FAILED',
          `formatting the storage of Kafka node ${node.id} in ${node.dir} failed (exit ${code}):\n${output.trim()}`,
        );
      }
    }),
  );
};

const spawnNode = async (node: NodeLayout, heapMb: number, detached = false): Promise<StartedNode> => {
  const logs = join(node.dir, 'logs');
  // The JVM's own messages (a crash, a bad option) go here; Kafka's log goes to logs/server.log.
  const out = openSync(join(logs, 'stdout.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'java',
      [
        `-Xmx${heapMb}m`,
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${logs}`,
        `-Dlog4j2.configurationFile=${join(node.dir, 'log4j2.properties')}`,
        '-cp',
        kafkaClasspath(),
        'kafka.Kafka',
        join(node.dir, 'server.properties'),
      ],
      { stdio: ['ignore', out, out], detached },
    );
  } finally {
    closeSync(out);
  }
  const exited = exitOf(child);
  if (child.pid === undefined)
    throw new KafkaBrokerError('KAFKA_EXITED', `java did not start: ${await exited}`);
  if (detached) child.unref();
  await writeFile(join(node.dir, PID_FILE), `${child.pid}\n`);
  return { layout: node, pid: child.pid, exited };
};

/** Ready means a topic can be created and deleted through each node (KafkaReady.java). */
const awaitReady = async (nodes: readonly StartedNode[], timeoutMs: number): Promise<void> => {
  const layout = nodes.map((node) => node.layout);
  const addresses = layout.flatMap((n) => [`127.0.0.1:${n.ports.plaintext}`, `127.0.0.1:${n.ports.sasl}`]);
  const abandon = new AbortController();
  const checker = run(
    'java',
    [
      '-Xmx128m',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      kafkaClasspath(),
      kafkaResource('KafkaReady.java'),
      String(timeoutMs),
      SCRAM_USER,
      SCRAM_PASSWORD,
      ...addresses,
    ],
    { timeoutMs: timeoutMs + 60_000, signal: abandon.signal },
  );
  const died = Promise.race(nodes.map(async (node) => ({ node, how: await node.exited })));
  const outcome = await Promise.race([checker, died]);
  if ('node' in outcome) {
    abandon.abort();
    throw new KafkaBrokerError(
      'KAFKA_EXITED',
      `Kafka node ${outcome.node.layout.id} exited (${outcome.how}) while starting:\n` +
        (await logTail(outcome.node.layout.dir)),
    );
  }
  if (outcome.code !== 0) {
    const tails = await Promise.all(layout.map((node) => logTail(node.dir)));
    throw new KafkaBrokerError(
      'KAFKA_NOT_READY',
      `Kafka (${plaintextOf(layout)}) did not accept a topic within ${Math.round(timeoutMs / 1000)} s: ` +
        `${outcome.output.trim()}\n${tails.join('\n')}`,
    );
  }
};
