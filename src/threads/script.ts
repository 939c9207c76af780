import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TributaryError } from '../errors.js';

/**
 * The script of a thread: `file` beside the calling module when it runs compiled. Run from
 * TypeScript sources (the tests), a thread runs the build of the same file instead, which
 * `npm test` makes first; Node cannot start a thread on TypeScript by itself.
 */
export const threadScript = (file: string, caller: string): URL => {
  const here = new URL(file, caller);
  const path = fileURLToPath(here);
  if (existsSync(path)) return here;
  let root = dirname(path);
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const built = join(root, 'dist', relative(root, path));
  if (existsSync(built)) return pathToFileURL(built);
  throw new TributaryError(
    'TRB_INTERNAL',
    `the thread script ${path} is missing, and so is its build ${built}; run npm run build`,
  );
};
