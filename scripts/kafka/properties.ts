/**
 * The files a node of the local broker runs with: its server.properties (KRaft, each
 * node a combined broker and controller on 127.0.0.1) and a log4j 2 configuration that
 * sends its log to a file at WARN, so the terminal and the test output stay quiet.
 */

/** The four ports of one node. */
export interface NodePorts {
  readonly plaintext: number;
  readonly sasl: number;
  /** SASL_SSL: SCRAM over TLS, with the cluster's self-signed certificate (tls.ts). */
  readonly tls: number;
  readonly controller: number;
}

export interface NodeLayout {
  /** KRaft node.id, from 1. */
  readonly id: number;
  readonly dir: string;
  readonly ports: NodePorts;
}

export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
export const SCRAM_USER = 'tributary';
export const SCRAM_PASSWORD = 'tributary-secret';

/** The internal topics' settings: a single node cannot hold the default three replicas. */
const replication = (nodes: number): Record<string, string | number> =>
  nodes === 1
    ? {
        'default.replication.factor': 1,
        'min.insync.replicas': 1,
        'offsets.topic.replication.factor': 1,
        'transaction.state.log.replication.factor': 1,
        'transaction.state.log.min.isr': 1,
        'share.coordinator.state.topic.replication.factor': 1,
        'share.coordinator.state.topic.min.isr': 1,
      }
    : {
        // Three copies, two of which must acknowledge: one node may die without losing a write.
        'default.replication.factor': 3,
        'min.insync.replicas': 2,
        'offsets.topic.replication.factor': 3,
        'transaction.state.log.replication.factor': 3,
        'transaction.state.log.min.isr': 2,
        'share.coordinator.state.topic.replication.factor': 3,
        'share.coordinator.state.topic.min.isr': 2,
      };

export const serverProperties = (
  node: NodeLayout,
  all: readonly NodeLayout[],
  dataDir: string,
  keystore: { readonly file: string; readonly password: string },
): string => {
  const { plaintext, sasl, tls, controller } = node.ports;
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    // A static quorum: every node votes, and `format` needs no --standalone or --initial-controllers.
    'controller.quorum.voters': all.map((n) => `${n.id}@127.0.0.1:${n.ports.controller}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${sasl},SASL_SSL://127.0.0.1:${tls},CONTROLLER://127.0.0.1:${controller}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${plaintext},SASL_PLAINTEXT://127.0.0.1:${sasl},SASL_SSL://127.0.0.1:${tls}`,
    'listener.security.protocol.map':
      'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'sasl.enabled.mechanisms': SCRAM_MECHANISM,
    // The users are checked against the credentials that `format --add-scram` stored in the metadata log.
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': keystore.file,
    'ssl.keystore.password': keystore.password,
    'ssl.key.password': keystore.password,
    'log.dirs': dataDir,
    'num.partitions': 1,
    // Tests start consumer groups one after the other; Kafka's 3 s wait for more members only slows them.
    'group.initial.rebalance.delay.ms': 0,
    // Pipelines join their groups with the consumer protocol (KIP-848). A member that died
    // without leaving (SIGKILL) keeps its partitions until its session times out: 45 s by
    // default, 10 s here so that the crash tests see the takeover soon.
    'group.consumer.min.session.timeout.ms': 6000,
    'group.consumer.session.timeout.ms': 10000,
    'group.consumer.min.heartbeat.interval.ms': 500,
    'group.consumer.heartbeat.interval.ms': 1000,
    ...replication(all.length),
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
};

/** `${sys:kafka.logs.dir}` is set on the java command line to the node's logs folder. */
export const LOG4J2_PROPERTIES = `status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
# Its few INFO lines say when the node started and stopped, which a reader of the log looks for first.
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
`;
