/**
 * Saves a freshly initialized PGlite data directory as dist/pglite-template.tar.gz, so
 * that the embedded store of a new data directory starts from a copy instead of running
 * initdb (see src/store/pglite-backend.ts). Run by `npm run build`; skipped when present.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_TEMPLATE } from '../src/store/pglite-backend.js';

if (!existsSync(PGLITE_TEMPLATE)) {
  const db = await PGlite.create();
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  await writeFile(PGLITE_TEMPLATE, Buffer.from(await dump.arrayBuffer()));
  process.stderr.write(`wrote ${PGLITE_TEMPLATE} (${Math.round(dump.size / 1024)} KiB)\n`);
}
