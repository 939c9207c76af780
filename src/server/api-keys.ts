import { createHash } from 'node:crypto';
import { TributaryError } from '../errors.js';

export const SCOPES = ['read', 'ingest', 'admin'] as const;
/** `read` — GET routes, `/metrics`, `/ws`; `ingest` — POST events; `admin` — everything. */
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly key: string;
  readonly scopes: readonly Scope[];
}

/** Short keys are guessable; 16 characters is the floor (`openssl rand -hex 24` gives 48). */
export const MIN_KEY_LENGTH = 16;

const badConfig = (message: string): TributaryError => new TributaryError('TRB_SERVER_BAD_CONFIG', message);

/** Validates API keys given in code or parsed from the environment. */
export const checkApiKeys = (keys: readonly ApiKey[], source = 'apiKeys'): ApiKey[] => {
  if (!Array.isArray(keys)) throw badConfig(`${source}: not a list of { key, scopes }`);
  const seen = new Set<string>();
  return keys.map((entry, i) => {
    const where = `${source}[${i}]`;
    if (typeof entry?.key !== 'string' || entry.key.length < MIN_KEY_LENGTH || /[\s,]/.test(entry.key)) {
      throw badConfig(
        `${where}.key: a key needs at least ${MIN_KEY_LENGTH} characters and no spaces or commas; ` +
          'generate one with `openssl rand -hex 24`',
      );
    }
    if (seen.has(entry.key)) throw badConfig(`${where}.key: the same key is listed twice`);
    seen.add(entry.key);
    if (!Array.isArray(entry.scopes) || entry.scopes.length === 0) {
      throw badConfig(`${where}.scopes: give at least one of ${SCOPES.join(', ')}`);
    }
    for (const scope of entry.scopes) {
      if (!SCOPES.includes(scope)) {
        throw badConfig(`${where}.scopes: ${JSON.stringify(scope)} is not a scope; use ${SCOPES.join(', ')}`);
      }
    }
    return { key: entry.key, scopes: [...entry.scopes] };
  });
};

/**
 * Parses `TRIBUTARY_API_KEYS` in the configuration's format: `key:scope,scope` entries
 * separated by `;` (see docs/configuration.md).
 *
 * @example
 * parseApiKeys('3f9c…e1:read,ingest;77ab…02:admin');
 */
export const parseApiKeys = (text: string, source = 'TRIBUTARY_API_KEYS'): ApiKey[] => {
  const entries = text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, i) => {
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) {
      throw badConfig(`${source}: entry ${i + 1} has no scopes; write it as <key>:read,ingest`);
    }
    const scopes = entry
      .slice(colon + 1)
      .split(',')
      .map((s) => s.trim()) as Scope[];
    return { key: entry.slice(0, colon), scopes };
  });
  return checkApiKeys(keys, source);
};

const digest = (key: string): string => createHash('sha256').update(key).digest('base64');

/**
 * Looks keys up by their SHA-256 digest, so that the time a lookup takes says nothing about
 * how much of a guessed key was right.
 */
export class KeyRing {
  private readonly scopesByDigest = new Map<string, ReadonlySet<Scope>>();

  constructor(keys: readonly ApiKey[]) {
    for (const { key, scopes } of keys) this.scopesByDigest.set(digest(key), new Set(scopes));
  }

  get size(): number {
    return this.scopesByDigest.size;
  }

  scopesOf(key: string): ReadonlySet<Scope> | undefined {
    return this.scopesByDigest.get(digest(key));
  }

  /** `admin` grants every scope. */
  static allows(scopes: ReadonlySet<Scope>, needed: Scope): boolean {
    return scopes.has(needed) || scopes.has('admin');
  }
}
