/**
 * The local cluster's TLS identity: one self-signed certificate for 127.0.0.1 in a PKCS12
 * keystore every node serves on its SASL_SSL listener, and the same certificate as PEM for
 * clients to trust (`kafka.tls.ca`). Made once per cluster folder with the JDK's keytool.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KafkaBrokerError } from './errors.js';
import { run } from './processes.js';

export interface ClusterTls {
  /** PKCS12 keystore with the key and certificate. */
  readonly keystore: string;
  /** Its password (a test cluster's: not a secret). */
  readonly password: string;
  /** The certificate as PEM: what a client trusts. */
  readonly ca: string;
}

const PASSWORD = 'tributary-tls';

export const clusterTls = async (dir: string): Promise<ClusterTls> => {
  const tlsDir = join(dir, 'tls');
  const tls = { keystore: join(tlsDir, 'broker.p12'), password: PASSWORD, ca: join(tlsDir, 'ca.pem') };
  if (existsSync(tls.keystore) && existsSync(tls.ca)) return tls;
  await mkdir(tlsDir, { recursive: true });
  const store = ['-keystore', tls.keystore, '-storetype', 'PKCS12', '-storepass', PASSWORD];
  const steps: string[][] = [
    [
      '-genkeypair',
      '-alias',
      'broker',
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-validity',
      '3650',
      '-dname',
      'CN=127.0.0.1',
      '-ext',
      'SAN=IP:127.0.0.1,DNS:localhost',
      '-keypass',
      PASSWORD,
      ...store,
    ],
    ['-exportcert', '-rfc', '-alias', 'broker', '-file', tls.ca, ...store],
  ];
  for (const args of steps) {
    const { code, output } = await run('keytool', args, { timeoutMs: 60_000 });
    if (code !== 0)
      throw new KafkaBrokerError(
        'KAFKA_FORMAT_FAILED',
        `making the local cluster's TLS certificate with keytool failed (exit ${code}):\n${output.trim()}`,
      );
  }
  return tls;
};
