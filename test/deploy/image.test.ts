/**
 * The image, replayed without a Docker engine. The build context that .dockerignore lets
 * through is copied into a folder, the build stage's RUN commands run there, the runtime
 * stage's files are laid out where its COPY instructions put them, and its ENTRYPOINT runs as
 * a process: with CMD, with the commands compose and Kubernetes give it, and as
 * `tributary start`, which the HEALTHCHECK then asks and SIGTERM stops.
 *
 * Not replayed: the package installs (`npm ci`, `npm ci --omit=dev`), which need the registry.
 * This checkout's node_modules stands in for both, so what the built code imports is checked
 * against package.json's production dependencies instead.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyOf,
  DEPLOY,
  dockerfile,
  envOf,
  execForm,
  ignored,
  last,
  ROOT,
  read,
  readYaml,
  type Stage,
} from './files.js';

const stages = dockerfile();
const build = stages[0];
const runtime = stages.at(-1)!;
const pkg = JSON.parse(read('package.json')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const services: Record<string, any> = readYaml('deploy/docker-compose.yml').services;
/** The deployments' commands: compose's `command` of each service built from this repository. */
const deployed = Object.values(services)
  .filter((service) => service.build)
  .map((service) => service.command as string[]);

let scratch: string;
/** Each stage's WORKDIR, replayed as a folder of the scratch directory. */
const roots = new Map<Stage, string>();

const workdir = (stage: Stage) => last(stage, 'WORKDIR')?.args ?? '/';
/** Where a path of a stage's file system lands in the replay; only paths under WORKDIR have a place. */
const local = (stage: Stage, path: string): string => {
  const inside = posix.relative(workdir(stage), posix.resolve(workdir(stage), path));
  if (inside.startsWith('..')) throw new Error(`the replay keeps only the WORKDIR of a stage: ${path}`);
  return join(roots.get(stage)!, inside);
};

/** COPY as Docker does it: a folder's contents into the destination, a file into a destination folder. */
const replayCopy = (stage: Stage, source: string, dest: string, filter?: (path: string) => boolean) => {
  const target = local(stage, dest);
  const into =
    !statSync(source).isDirectory() && dest.endsWith('/') ? join(target, basename(source)) : target;
  mkdirSync(dirname(into), { recursive: true });
  cpSync(source, into, { recursive: true, ...(filter ? { filter } : {}) });
};

/** Node first on PATH: `npm` and the build's scripts run on the Node that runs the tests (22). */
const PATH = `${dirname(process.execPath)}:${process.env.PATH}`;

const replayStage = (stage: Stage) => {
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'COPY') {
      const copy = copyOf(instruction);
      const from = copy.from ? stages.find((s) => s.name === copy.from) : undefined;
      for (const source of copy.sources) {
        if (from) replayCopy(stage, local(from, source), copy.dest);
        // Only what .dockerignore lets into the context, at every depth (node_modules in web/ …).
        else replayCopy(stage, join(ROOT, source), copy.dest, (path) => !ignored(relative(ROOT, path)));
      }
    } else if (instruction.keyword === 'RUN') {
      const command = instruction.args;
      if (/^npm ci\b/.test(command)) {
        // The registry is not asked: this checkout's packages, as `npm ci` would lay them out.
        symlinkSync(join(ROOT, 'node_modules'), local(stage, 'node_modules'), 'dir');
        continue;
      }
      if (stage !== build) continue; // the runtime's RUN installs and makes the data dir: not replayed
      if (!/^npm run [\w:-]+$/.test(command))
        throw new Error(`the replay does not know how to RUN ${command}`);
      const result = spawnSync('/bin/sh', ['-c', command], {
        cwd: roots.get(stage),
        env: { ...process.env, PATH },
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`RUN ${command} failed:\n${result.stdout}${result.stderr}`);
    }
  }
};

/** The ENTRYPOINT, with its script where the replay put it; argv[0] must be node. */
const entrypoint = (): string[] => {
  const [node, script, ...rest] = execForm(last(runtime, 'ENTRYPOINT')!.args);
  expect(node).toBe('node');
  return [local(runtime, script), ...rest];
};

/** The image's environment (ENV), as `docker run -e` would change it. */
const imageEnv = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH,
  ...envOf(runtime),
  TRIBUTARY_DATA_DIR: join(scratch, 'data'),
  ...overrides,
});

const runImage = (args: string[], env: NodeJS.ProcessEnv = imageEnv()) =>
  spawnSync(process.execPath, [...entrypoint(), ...args], {
    cwd: roots.get(runtime),
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tributary-image-'));
  for (const stage of stages) {
    const root = join(scratch, `stage-${stages.indexOf(stage)}`);
    mkdirSync(root, { recursive: true });
    roots.set(stage, root);
  }
  for (const stage of stages) replayStage(stage);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the image, replayed without Docker', () => {
  it('builds from the build context alone: the CLI, the dashboard and the store template land in the runtime stage', () => {
    const [script] = entrypoint();
    expect(existsSync(script), `the ENTRYPOINT's ${relative(scratch, script)}`).toBe(true);
    for (const path of ['dist/web/index.html', 'dist/pglite-template.tar.gz', 'config/demo.yaml'])
      expect(existsSync(local(runtime, path)), `${path} in the runtime stage`).toBe(true);
  });

  it("the code the image runs imports only Node's modules and package.json's production dependencies", () => {
    const allowed = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.optionalDependencies ?? {}),
    ]);
    const outside = new Set<string>();
    const found = new Set<string>();
    const scan = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) scan(path);
        else if (entry.name.endsWith('.js')) {
          const code = readFileSync(path, 'utf8');
          const specifiers = [
            ...code.matchAll(/^\s*(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]/gm),
            ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
          ].map((m) => m[1]);
          for (const specifier of specifiers.filter((s) => !s.startsWith('.'))) {
            const name = specifier.startsWith('@')
              ? specifier.split('/').slice(0, 2).join('/')
              : specifier.split('/')[0];
            const builtin = specifier.startsWith('node:') || builtinModules.includes(name);
            found.add(name);
            if (!builtin && !allowed.has(name)) outside.add(`${relative(scratch, path)}: ${specifier}`);
          }
        }
      }
    };
    scan(local(runtime, 'dist/src'));
    // The scan sees the imports at all: the CLI's parser and the server are among them.
    expect([...found]).toEqual(expect.arrayContaining(['commander', 'fastify', 'node:fs']));
    expect([...outside], 'not installed by npm ci --omit=dev').toEqual([]);
  });

  it("runs the CLI with CMD's arguments, and its help lists every command the deployments run", () => {
    const result = runImage(execForm(last(runtime, 'CMD')!.args));
    expect(result.status, result.stderr).toBe(0);
    const commands = [...result.stdout.matchAll(/^ {2}([\w-]+)\b/gm)].map((m) => m[1]);
    expect(deployed.length).toBeGreaterThan(0);
    for (const [command] of deployed) expect(commands, `tributary ${command}`).toContain(command);
  });

  it.each(deployed.map((command) => [command[0], command]))(
    '`tributary %s` takes the --config the deployments give it',
    (_, command) => {
      const result = runImage([command[0], '--help']);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/--config <file>/);
      expect(command).toContain('--config');
    },
  );

  it('`tributary validate` accepts deploy/tributary.yaml with the environment compose gives the workers', () => {
    const env = services.worker.environment as Record<string, string>;
    const result = runImage(['validate', join(DEPLOY, 'tributary.yaml')], imageEnv(env));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('OK: 1 pipeline (clicks-per-user)');
    expect(result.stdout).toContain('store postgres');
  });

  it('refuses to start with its own HOST (beyond loopback) and no API keys', () => {
    const config = join(scratch, 'empty.yaml');
    writeFileSync(config, 'sources: {}\npipelines: []\n');
    expect(envOf(runtime).HOST).toBe('0.0.0.0');
    const result = runImage(['start', '--config', config]);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('TRIBUTARY_API_KEYS');
  });

  describe('as `tributary start`', () => {
    let child: ChildProcess | undefined;

    afterAll(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    it('serves the built dashboard; the HEALTHCHECK passes; SIGTERM stops it with exit code 0', async () => {
      const config = join(scratch, 'empty.yaml');
      writeFileSync(config, 'sources: {}\npipelines: []\n');
      const port = String(await freePort());
      const env = imageEnv({ PORT: port, TRIBUTARY_API_KEYS: 'image-test-read-key-0000:read' });
      child = spawn(process.execPath, [...entrypoint(), 'start', '--config', config], {
        cwd: roots.get(runtime),
        env,
        stdio: 'ignore',
      });
      const [, command] = last(runtime, 'HEALTHCHECK')!.args.split(/\s+CMD\s+/);
      const [node, ...check] = execForm(command);
      expect(node).toBe('node');
      const healthy = () => spawnSync(process.execPath, check, { env, timeout: 15_000 }).status === 0;
      const deadline = Date.now() + 60_000;
      while (!healthy()) {
        expect(child.exitCode, 'tributary start exited before it was healthy').toBeNull();
        expect(Date.now(), 'the HEALTHCHECK passed within 60 s').toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(readFileSync(local(runtime, 'dist/web/index.html'), 'utf8'));
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(healthy(), 'the HEALTHCHECK fails once it has stopped').toBe(false);
    }, 120_000);
  });
});
