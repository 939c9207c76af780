/**
 * Whether a test run needs a service that its global setup starts (Kafka, the schema
 * registry): whether one of the run's files calls the function that reads the service's
 * address, itself or through a test helper it imports (`testCluster()` calls
 * `kafkaBrokers()`), so that a run of unrelated files skips the service.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const TESTS = dirname(fileURLToPath(import.meta.url));
const RELATIVE_IMPORT = /from '(\.{1,2}\/[^']+)\.js'/g;

/**
 * The files of the run are known before the global setup (vitest collects their paths
 * first). When vitest does not say, the service starts: a missing service fails tests, a
 * needless one only costs seconds. `optOut` names the variable that, set to 1, never starts it.
 */
export function runNeeds(project: TestProject, calls: RegExp, optOut: string): boolean {
  if (process.env[optOut] === '1') return false;
  let files: string[] = [];
  try {
    files = project.vitest.state.getPaths();
  } catch {}
  return files.length === 0 || someFileCalls(files, calls);
}

/** Whether one of `files`, or a module under test/ that they import (followed), matches `calls`. */
export function someFileCalls(files: readonly string[], calls: RegExp): boolean {
  const seen = new Set<string>();
  const visit = (file: string): boolean => {
    if (seen.has(file) || !file.startsWith(TESTS)) return false;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    if (calls.test(text)) return true;
    return [...text.matchAll(RELATIVE_IMPORT)].some(([, path]) =>
      visit(resolve(dirname(file), `${path}.ts`)),
    );
  };
  return files.some(visit);
}
