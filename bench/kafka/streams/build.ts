/**
 * Builds the Kafka Streams contender's application — ClicksPerUser.java and Progress.java
 * beside this file, with pom.xml and log4j2.properties — with Maven into a cache folder
 * outside the repository, as scripts/kafka/install.ts brings Kafka's jars:
 * `${TRIBUTARY_CACHE:-~/.cache/tributary}/kafka-streams-4.4.0-bench/build`, the application's
 * jar in target/ and Kafka Streams' jars in lib/ (~100 MB, RocksDB's native library most of
 * it). Once per version of the sources: the marker file `built` holds their hash and is
 * written last, so changed sources or an interrupted build build again, and a fresh clone or
 * another work tree reuses the build. The first run of a build leaves the JVM's class-data
 * archive there too (`classArchive`, kafka-streams.ts).
 *
 * @example
 * const { classpath } = await buildKafkaStreamsApp(); // java -cp CLASSPATH dev.tributary.bench.ClicksPerUser …
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  KAFKA_VERSION,
  type Log,
  mavenMissing,
  runMaven,
} from '../../../scripts/kafka/install.js';
import { info } from '../../harness.js';

export const KAFKA_STREAMS_MAIN = 'dev.tributary.bench.ClicksPerUser';
/** pom.xml's artifactId-version.jar */
const JAR = 'tributary-bench-kafka-streams-4.4.0.jar';

/** Where each file goes in the Maven project (pom.xml reads src/ and resources/). */
const SOURCES: Readonly<Record<string, string>> = {
  'pom.xml': 'pom.xml',
  'ClicksPerUser.java': 'src/ClicksPerUser.java',
  'Progress.java': 'src/Progress.java',
  'log4j2.properties': 'resources/log4j2.properties',
};

/** `${TRIBUTARY_CACHE:-~/.cache/tributary}/kafka-streams-4.4.0-bench` */
export const kafkaStreamsHome = (): string => join(cacheRoot(), `kafka-streams-${KAFKA_VERSION}-bench`);

/** The file's path in the repository: beside this module, or, compiled into dist/, in bench/ still. */
const source = (name: string): string => {
  const beside = fileURLToPath(new URL(name, import.meta.url));
  return existsSync(beside)
    ? beside
    : fileURLToPath(new URL(`../../../../bench/kafka/streams/${name}`, import.meta.url));
};

const JDK_HINT =
  'Install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless) or put its bin/ on PATH.';

/** Refuses a machine without `java` 17+, or, for a build, without its compiler. */
const requireJdk = (compiler: boolean): void => {
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  if (modules.error || modules.status !== 0)
    throw new Error(`java is not on PATH: the Kafka Streams contenders run on Java 17+. ${JDK_HINT}`, {
      cause: modules.error,
    });
  const major = Number(/^java\.base@(\d+)/m.exec(modules.stdout)?.[1] ?? 0);
  if (major < 17)
    throw new Error(
      `java on PATH is Java ${major || 'of unknown version'}: Kafka Streams 4 needs 17+. ${JDK_HINT}`,
    );
  if (compiler && !/^jdk\.compiler@/m.test(modules.stdout))
    throw new Error(
      `java on PATH is a runtime without its compiler: building the Kafka Streams app needs a JDK. ${JDK_HINT}`,
    );
};

/** The hash of the sources, their names included: the build is current when its marker holds it. */
const sourcesHash = async (): Promise<string> => {
  const hash = createHash('sha256');
  for (const name of Object.keys(SOURCES)) hash.update(`${name}\0`).update(await readFile(source(name)));
  return hash.digest('hex');
};

export interface KafkaStreamsApp {
  /** The `-cp` of the application. */
  readonly classpath: string;
  /** The JVM's class-data archive of this build: absent until a run wrote it. */
  readonly classArchive: string;
}

let building: Promise<KafkaStreamsApp> | undefined;

/**
 * The application, built first when the cache does not hold this version of its sources.
 * Once per process: the contenders' runs all share it.
 */
export const buildKafkaStreamsApp = (log: Log = info): Promise<KafkaStreamsApp> => (building ??= build(log));

const build = async (log: Log): Promise<KafkaStreamsApp> => {
  requireJdk(false);
  const home = kafkaStreamsHome();
  const done = join(home, 'build');
  const app: KafkaStreamsApp = {
    classpath: `${join(done, 'target', JAR)}:${join(done, 'lib', '*')}`,
    classArchive: join(done, 'classes.jsa'),
  };
  const hash = await sourcesHash();
  const marker = join(done, 'built');
  if (existsSync(marker) && (await readFile(marker, 'utf8')).trim() === hash) return app;

  requireJdk(true);
  const missing = mavenMissing();
  if (missing) {
    throw new Error(
      `mvn is not on PATH and the Kafka Streams contender is not built in ${done} yet: Maven builds it and ` +
        'downloads Kafka Streams from Maven Central, once. Install it (Debian: apt-get install -y maven) or put ' +
        'its bin/ on PATH.',
      { cause: missing },
    );
  }
  log(`  building the Kafka Streams contender (bench/kafka/streams/) with Maven into ${done}…`);
  const started = Date.now();
  const partial = join(home, 'build.partial');
  await rm(partial, { recursive: true, force: true });
  for (const [name, to] of Object.entries(SOURCES)) {
    await mkdir(join(partial, to, '..'), { recursive: true });
    await copyFile(source(name), join(partial, to));
  }
  const args = ['-f', join(partial, 'pom.xml'), 'compile', 'jar:jar', 'dependency:copy-dependencies'];
  args.push('-DincludeScope=runtime', `-DoutputDirectory=${join(partial, 'lib')}`);
  const { code, logFile, errors } = await runMaven(partial, args, log);
  if (code !== 0) {
    throw new Error(
      `Maven could not build the Kafka Streams contender (exit ${code}); is Maven Central reachable? ` +
        `Full output in ${logFile}:\n${errors.slice(0, 10).join('\n')}`,
    );
  }
  await rm(done, { recursive: true, force: true });
  await rename(partial, done);
  await writeFile(marker, `${hash}\n`);
  log(`  Kafka Streams contender built in ${Math.round((Date.now() - started) / 1000)} s`);
  return app;
};
