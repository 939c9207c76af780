/**
 * The Dockerfile, checked without a Docker engine: its stages, what each copies against what
 * the build compiles and what the built code reads at run time, the user, and its
 * HEALTHCHECK command run for real against a server that answers /healthz.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../src/cli/start.js';
import { DEFAULT_DASHBOARD_ROOT } from '../../src/server/plugins/dashboard.js';
import { PGLITE_TEMPLATE } from '../../src/store/pglite-backend.js';
import {
  all,
  copyOf,
  dockerfile,
  envOf,
  execForm,
  exists,
  ignored,
  last,
  ROOT,
  read,
  type Stage,
} from './files.js';

const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const tsconfigBuild = JSON.parse(read('tsconfig.build.json')) as {
  compilerOptions: { rootDir: string; outDir: string };
  include: string[];
};

const stages = dockerfile();
const build = stages[0];
const runtime = stages[stages.length - 1];
const workdir = (stage: Stage) => last(stage, 'WORKDIR')?.args ?? '/';
/** Sources copied from the build context (not from another stage). */
const contextSources = (stage: Stage) =>
  all(stage, 'COPY')
    .map(copyOf)
    .filter((c) => !c.from)
    .flatMap((c) => c.sources);

describe('Dockerfile', () => {
  it('builds in one stage and runs in another, both on the Node major that package.json engines ask for', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const engineMajor = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);
    for (const stage of stages) {
      const tag = /^node:(\d+)/.exec(stage.image);
      expect(tag, `${stage.image}: a node image with a numeric major tag`).not.toBeNull();
      expect(Number(tag![1])).toBe(engineMajor);
    }
    expect(runtime.image).toMatch(/-slim$/);
  });

  it('the build stage installs every dependency, copies what `npm run build` compiles, and builds', () => {
    const runs = all(build, 'RUN').map((r) => r.args);
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    const copied = contextSources(build);
    // tsconfig.build.json's includes, and `vite build web` (the build script names it).
    const needed = [
      ...tsconfigBuild.include,
      'web',
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
    ];
    expect(pkg.scripts.build).toContain('vite build web');
    for (const path of needed) expect(copied, `the build stage copies ${path}`).toContain(path);
  });

  it('every file copied from the context exists and .dockerignore lets it in; node_modules, dist and .git stay out', () => {
    for (const stage of stages) {
      for (const source of contextSources(stage)) {
        expect(exists(source), `${source} exists`).toBe(true);
        expect(ignored(source), `.dockerignore keeps ${source} out of the context`).toBe(false);
      }
    }
    for (const path of ['node_modules', 'dist', '.git', 'test', '.tributary', 'src/node_modules'])
      expect(ignored(path), `${path} is left out of the context`).toBe(true);
  });

  it('the runtime stage has production dependencies only, the build output, and every file the code reads from the package root', () => {
    const runs = all(runtime, 'RUN').map((r) => r.args);
    expect(runs.some((r) => /npm ci --omit=dev\b/.test(r))).toBe(true);
    const dir = workdir(runtime);
    const copies = all(runtime, 'COPY').map(copyOf);
    // Where each copy lands: into a directory (dest ending in /) under its own name, else at dest.
    const placed = copies.flatMap((c) => {
      const dest = posix.resolve(dir, c.dest);
      return c.dest.endsWith('/') ? c.sources.map((s) => posix.join(dest, posix.basename(s))) : [dest];
    });
    // Where the code looks, as the package's relative paths. The template is found relative to
    // its module, so from the built module at dist/src/store/ rather than src/store/.
    const template = posix.join('dist/src/store', relative(`${ROOT}src/store`, PGLITE_TEMPLATE));
    const readAtRuntime = [
      'package.json', // the package root is the folder with package.json
      relative(ROOT, DEFAULT_DASHBOARD_ROOT),
      relative(ROOT, DEMO_CONFIG),
      template,
      tsconfigBuild.compilerOptions.outDir,
    ];
    expect(readAtRuntime).toContain('dist/web');
    expect(readAtRuntime).toContain('dist/pglite-template.tar.gz');
    for (const path of readAtRuntime) {
      const inImage = posix.join(dir, path);
      const covered = placed.some((p) => inImage === p || inImage.startsWith(`${p}/`));
      expect(covered, `the runtime stage copies ${path} to ${inImage}`).toBe(true);
    }
    const fromBuild = copies.filter((c) => c.from);
    expect(fromBuild.map((c) => c.from)).toEqual([build.name]);
    expect(fromBuild[0].sources).toEqual([posix.join(workdir(build), tsconfigBuild.compilerOptions.outDir)]);
  });

  it('runs as a numeric non-root user that owns the data directory', () => {
    const user = last(runtime, 'USER')?.args ?? 'root';
    const uid = Number(user.split(':')[0]);
    expect(Number.isInteger(uid), `USER ${user} is numeric, which runAsNonRoot can check`).toBe(true);
    expect(uid).toBeGreaterThan(0);
    const dataDir = envOf(runtime).TRIBUTARY_DATA_DIR;
    expect(dataDir).toMatch(/^\//);
    const runs = all(runtime, 'RUN').map((r) => r.args);
    expect(runs.some((r) => r.includes(`chown ${uid}:`) && r.includes(dataDir))).toBe(true);
  });

  it('exposes PORT and starts the CLI of the build output, so `docker run IMAGE worker --config …` runs `tributary worker`', () => {
    const env = envOf(runtime);
    expect(last(runtime, 'EXPOSE')?.args).toBe(env.PORT);
    expect(env.HOST).toBe('0.0.0.0');
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!.args);
    expect(entrypoint[0]).toBe('node');
    // package.json's bin is the CLI; tsc puts src/X.ts at <outDir>/src/X.js (rootDir ".").
    const bin = posix.normalize(pkg.bin.tributary);
    expect(entrypoint[1]).toBe(posix.join(workdir(runtime), bin));
    expect(tsconfigBuild.compilerOptions.rootDir).toBe('.');
    const source = posix.relative(tsconfigBuild.compilerOptions.outDir, bin).replace(/\.js$/, '.ts');
    expect(exists(source), `${source} compiles to ${bin}`).toBe(true);
    expect(last(runtime, 'CMD'), 'CMD gives default arguments only').toBeDefined();
    expect(entrypoint).toHaveLength(2);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = last(runtime, 'HEALTHCHECK')!.args;
    const [options, command] = healthcheck.split(/\s+CMD\s+/);
    const argv = execForm(command);
    let server: Server | undefined;

    afterEach(() => {
      server?.close();
      server = undefined;
    });

    /**
     * Runs the check as Docker would, with PORT pointing at `port`; its exit code. Asynchronously:
     * the server answering it runs in this process.
     */
    const check = async (port: number): Promise<number | null> => {
      expect(argv[0]).toBe('node');
      const child = spawn(process.execPath, argv.slice(1), {
        env: { PATH: process.env.PATH, PORT: String(port) },
        stdio: 'ignore',
        timeout: 15_000,
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    };

    const serve = async (status: number): Promise<number> => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/healthz' ? status : 404;
        res.end();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    };

    it('is in exec form with node itself (slim images have no curl), within its own timeout', () => {
      expect(argv.slice(0, 2)).toEqual(['node', '-e']);
      expect(argv[2]).toContain('/healthz');
      const timeout = Number(/--timeout=(\d+)s/.exec(options)?.[1]);
      const fetchTimeout = Number(/AbortSignal\.timeout\((\d+)\)/.exec(argv[2])?.[1]);
      expect(fetchTimeout).toBeLessThan(timeout * 1000);
    });

    it('passes while /healthz answers 200 on PORT', async () => {
      expect(await check(await serve(200))).toBe(0);
    });

    it('fails when /healthz answers 503', async () => {
      expect(await check(await serve(503))).toBe(1);
    });

    it('fails when nothing listens', async () => {
      const port = await serve(200);
      server!.close();
      await once(server!, 'close');
      expect(await check(port)).toBe(1);
    });
  });
});
