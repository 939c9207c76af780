/** A platform started in the test's process from a configuration file, as `tributary start` loads one. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { platformOptions } from '../../../src/runtime/from-config.js';
import { Platform, type PlatformOptions } from '../../../src/runtime/platform.js';

export interface StartedPlatform {
  readonly platform: Platform;
  /** Stops the platform and deletes its folder. */
  close(): Promise<void>;
}

/** Writes `yaml(dataDir)` to a new folder's tributary.yaml and starts a platform from it, `${…}` from `env`. */
export const startPlatform = async (
  yaml: (dataDir: string) => string,
  options: Partial<PlatformOptions> = {},
  env: Readonly<Record<string, string>> = {},
): Promise<StartedPlatform> => {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-kafka-'));
  const file = join(dir, 'tributary.yaml');
  await writeFile(file, yaml(join(dir, 'data')));
  const platform = new Platform({ ...platformOptions(await loadConfig(file, { env })), ...options });
  const close = async () => {
    await platform.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await platform.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { platform, close };
};
