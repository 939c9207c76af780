/**
 * Brings the jars of Apache Kafka from Maven Central into a cache folder outside the
 * repository, once: a fresh clone, `git clean` or another work tree reuses them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaBrokerError } from './errors.js';

export const KAFKA_VERSION = '4.4.0';

export type Log = (line: string) => void;

export const logToStderr: Log = (line) => process.stderr.write(`${line}\n`);

/** `${TRIBUTARY_CACHE:-~/.cache/tributary}`: what scripts/ downloads, outside any work tree. */
export const cacheRoot = (): string => process.env.TRIBUTARY_CACHE || join(homedir(), '.cache', 'tributary');

/** `${TRIBUTARY_CACHE:-~/.cache/tributary}/kafka-4.4.0`, with the jars in lib/. */
export const kafkaHome = (): string => join(cacheRoot(), `kafka-${KAFKA_VERSION}`);

/** The `-cp` of every java command: the launcher expands the wildcard itself. */
export const kafkaClasspath = (): string => join(kafkaHome(), 'lib', '*');

/**
 * A file that ships in scripts/FOLDER/ of the repository (`scriptsResource('registry', 'pom.xml')`).
 * Compiled, the scripts run from dist/scripts/, and the file is still in scripts/ of the repository.
 */
export const scriptsResource = (folder: string, name: string): string => {
  const beside = fileURLToPath(new URL(`../${folder}/${name}`, import.meta.url));
  return existsSync(beside)
    ? beside
    : fileURLToPath(new URL(`../../../scripts/${folder}/${name}`, import.meta.url));
};

/** A file that ships beside this module in scripts/kafka/. */
export const kafkaResource = (name: string): string => scriptsResource('kafka', name);

/** Refuses a machine without Java 17 (Kafka 4's minimum) or without its compiler (KafkaReady.java). */
export const requireJava = (): void => {
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (modules.error || modules.status !== 0) {
    throw new KafkaBrokerError(
      'KAFKA_JAVA_MISSING',
      'java is not on PATH: the local Kafka broker needs a Java 17+ JDK. ' +
        'Install it (Debian: apt-get install -y openjdk-17-jdk-headless) or put its bin/ on PATH.',
      { cause: modules.error },
    );
  }
  const major = Number(/^java\.base@(\d+)/m.exec(modules.stdout)?.[1] ?? 0);
  if (major < 17 || !/^jdk\.compiler@/m.test(modules.stdout)) {
    throw new KafkaBrokerError(
      'KAFKA_JAVA_MISSING',
      `java on PATH is ${major < 17 ? `Java ${major || 'of unknown version'}` : 'a runtime without its compiler'}: ` +
        'the local Kafka broker needs a Java 17+ JDK (Debian: apt-get install -y openjdk-17-jdk-headless).',
    );
  }
};

/** The error that running `mvn --version` gave, or undefined when Maven is there. */
export const mavenMissing = (): Error | undefined => {
  const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
  if (!mvn.error && mvn.status === 0) return undefined;
  return mvn.error ?? new Error(`mvn --version exited with ${mvn.status}`);
};

const requireMaven = (): void => {
  const missing = mavenMissing();
  if (missing) {
    throw new KafkaBrokerError(
      'KAFKA_MAVEN_MISSING',
      `mvn is not on PATH and Apache Kafka ${KAFKA_VERSION} is not in ${kafkaHome()} yet: Maven downloads it ` +
        'from Maven Central once. Install it (Debian: apt-get install -y maven) or put its bin/ on PATH.',
      { cause: missing },
    );
  }
};

/**
 * Downloads the jars unless they are there; returns the folder. The marker file is
 * written last, so an interrupted download is redone instead of leaving a broken lib/.
 */
export const installKafka = async (log: Log = logToStderr): Promise<string> => {
  requireJava();
  const home = kafkaHome();
  const lib = join(home, 'lib');
  const marker = join(home, 'installed');
  if (existsSync(marker)) return lib;
  requireMaven();
  log(`Downloading Apache Kafka ${KAFKA_VERSION} from Maven Central into ${home} (once, ~54 MB)…`);
  const started = Date.now();
  const partial = join(home, 'lib.partial');
  await mkdir(home, { recursive: true });
  await rm(partial, { recursive: true, force: true });
  await rm(lib, { recursive: true, force: true });
  await copyFile(kafkaResource('pom.xml'), join(home, 'pom.xml'));
  await copyDependencies(home, partial, log);
  await rename(partial, lib);
  await writeFile(marker, `Apache Kafka ${KAFKA_VERSION}, ${new Date().toISOString()}\n`);
  const { count, bytes } = await folderSize(lib);
  log(
    `Apache Kafka ${KAFKA_VERSION} is in ${lib}: ${count} jars, ${Math.round(bytes / 1e6)} MB, ` +
      `${Math.round((Date.now() - started) / 1000)} s.`,
  );
  return lib;
};

const copyDependencies = async (home: string, output: string, log: Log): Promise<void> => {
  const args = ['-f', join(home, 'pom.xml'), 'dependency:copy-dependencies'];
  args.push('-DincludeScope=runtime', `-DoutputDirectory=${output}`);
  const { code, logFile, errors } = await runMaven(home, args, log);
  if (code !== 0) {
    throw new KafkaBrokerError(
      'KAFKA_DOWNLOAD_FAILED',
      `Maven could not download Apache Kafka ${KAFKA_VERSION} (exit ${code}); is Maven Central reachable? ` +
        `Full output in ${logFile}:\n${errors.slice(0, 10).join('\n')}`,
    );
  }
};

export interface MavenRun {
  readonly code: number | null;
  /** HOME/mvn.log: Maven's whole output. */
  readonly logFile: string;
  /** The lines of the output that say ERROR, for the message of a failure. */
  readonly errors: readonly string[];
}

/** Runs `mvn -B -ntp ARGS` in HOME, its output in HOME/mvn.log; a line every 15 s says it is still working. */
export const runMaven = async (home: string, args: readonly string[], log: Log): Promise<MavenRun> => {
  const logFile = join(home, 'mvn.log');
  const out = openSync(logFile, 'w');
  const started = Date.now();
  const heartbeat = setInterval(
    () => log(`… still downloading (${Math.round((Date.now() - started) / 1000)} s)`),
    15_000,
  );
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const mvn = spawn('mvn', ['-B', '-ntp', ...args], { cwd: home, stdio: ['ignore', out, out] });
      mvn.on('error', reject);
      mvn.on('exit', resolve);
    });
    const errors =
      code === 0
        ? []
        : (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.includes('ERROR'));
    return { code, logFile, errors };
  } finally {
    clearInterval(heartbeat);
    closeSync(out);
  }
};

const folderSize = async (dir: string): Promise<{ count: number; bytes: number }> => {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return { count: names.length, bytes: sizes.reduce((a, b) => a + b, 0) };
};
