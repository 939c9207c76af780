/**
 * Brings Apicurio Registry (a Quarkus app) from Maven Central into a cache folder outside
 * the repository, once: a fresh clone, `git clean` or another work tree reuses it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cacheRoot,
  type Log,
  logToStderr,
  mavenMissing,
  runMaven,
  scriptsResource,
} from '../kafka/install.js';
import { RegistryServerError } from './errors.js';

export const APICURIO_VERSION = '3.3.3';

/** Apicurio 3 is built for Java 21; this machine kind ships Temurin 25 beside the default Java 17. */
export const MIN_JAVA = 21;
export const DEFAULT_REGISTRY_JAVA = '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java';

/** `${TRIBUTARY_CACHE:-~/.cache/tributary}/apicurio-3.3.3`, with the unpacked distribution in app/. */
export const registryHome = (): string => join(cacheRoot(), `apicurio-${APICURIO_VERSION}`);

/** The Java major version of a `java` binary, or undefined when it does not run. */
const javaMajor = (java: string): number | undefined => {
  const modules = spawnSync(java, ['--list-modules'], { encoding: 'utf8' });
  if (modules.error || modules.status !== 0) return undefined;
  return Number(/^java\.base@(\d+)/m.exec(modules.stdout)?.[1] ?? 0);
};

/**
 * The `java` that runs the registry: TRIBUTARY_REGISTRY_JAVA, else Temurin 25 where this
 * machine kind has it, else `java` on PATH when it is recent enough.
 */
export const registryJava = (): string => {
  const chosen = process.env.TRIBUTARY_REGISTRY_JAVA;
  const candidates = chosen ? [chosen] : [DEFAULT_REGISTRY_JAVA, 'java'];
  const found = candidates.map((java) => ({ java, major: javaMajor(java) }));
  const usable = found.find(({ major }) => major !== undefined && major >= MIN_JAVA);
  if (usable) return usable.java;
  const seen = found.map(({ java, major }) => `${java}: ${major === undefined ? 'absent' : `Java ${major}`}`);
  throw new RegistryServerError(
    'REGISTRY_JAVA_MISSING',
    `Apicurio Registry ${APICURIO_VERSION} needs Java ${MIN_JAVA} or newer, and none was found (${seen.join('; ')}). ` +
      `Install a JDK ${MIN_JAVA}+ (Temurin 25 is expected at ${DEFAULT_REGISTRY_JAVA}; Debian 13: ` +
      'apt-get install -y openjdk-21-jdk-headless) and point TRIBUTARY_REGISTRY_JAVA at its bin/java.',
  );
};

/**
 * Downloads and unpacks the distribution unless it is there; returns the path of its
 * quarkus-run.jar. The marker file is written last, so an interrupted download is redone
 * instead of leaving a broken app/.
 */
export const installRegistry = async (log: Log = logToStderr): Promise<string> => {
  registryJava();
  const home = registryHome();
  const app = join(home, 'app');
  const marker = join(home, 'installed');
  if (existsSync(marker)) return findRunJar(app);
  const missing = mavenMissing();
  if (missing) {
    throw new RegistryServerError(
      'REGISTRY_MAVEN_MISSING',
      `mvn is not on PATH and Apicurio Registry ${APICURIO_VERSION} is not in ${home} yet: Maven downloads it ` +
        'from Maven Central once. Install it (Debian: apt-get install -y maven) or put its bin/ on PATH.',
      { cause: missing },
    );
  }
  log(`Downloading Apicurio Registry ${APICURIO_VERSION} from Maven Central into ${home} (once, ~90 MB)…`);
  const started = Date.now();
  const partial = join(home, 'app.partial');
  await mkdir(home, { recursive: true });
  await rm(partial, { recursive: true, force: true });
  await rm(app, { recursive: true, force: true });
  await copyFile(scriptsResource('registry', 'pom.xml'), join(home, 'pom.xml'));
  const args = ['-f', join(home, 'pom.xml'), 'dependency:unpack', `-Dregistry.output=${partial}`];
  const { code, logFile, errors } = await runMaven(home, args, log);
  if (code !== 0) {
    throw new RegistryServerError(
      'REGISTRY_DOWNLOAD_FAILED',
      `Maven could not download Apicurio Registry ${APICURIO_VERSION} (exit ${code}); is Maven Central ` +
        `reachable? Full output in ${logFile}:\n${errors.slice(0, 10).join('\n')}`,
    );
  }
  await rename(partial, app);
  const jar = await findRunJar(app);
  await writeFile(marker, `Apicurio Registry ${APICURIO_VERSION}, ${new Date().toISOString()}\n`);
  log(`Apicurio Registry ${APICURIO_VERSION} is in ${app}, ${Math.round((Date.now() - started) / 1000)} s.`);
  return jar;
};

/** The archive has kept its layout across releases but not its top folder: look for the jar. */
const findRunJar = async (app: string): Promise<string> => {
  const found = (await readdir(app, { recursive: true })).find(
    (path) => path === 'quarkus-run.jar' || path.endsWith('/quarkus-run.jar'),
  );
  if (found === undefined) {
    throw new RegistryServerError(
      'REGISTRY_DOWNLOAD_FAILED',
      `no quarkus-run.jar in ${app}: the download is incomplete or not Apicurio's distribution; ` +
        `delete ${registryHome()} and start again.`,
    );
  }
  return join(app, found);
};
