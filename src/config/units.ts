import { toMillis } from '../engine/time/duration.js';
import { TributaryError } from '../errors.js';

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};
const SIZE = /^(\d+(?:\.\d+)?)(b|kb|mb|gb|tb)$/;
const SIZE_WORDS: Record<string, string> = {
  byte: 'b',
  bytes: 'b',
  k: 'kb',
  kib: 'kb',
  kilobyte: 'kb',
  kilobytes: 'kb',
  m: 'mb',
  mib: 'mb',
  megabyte: 'mb',
  megabytes: 'mb',
  g: 'gb',
  gib: 'gb',
  gigabyte: 'gb',
  gigabytes: 'gb',
  t: 'tb',
  tib: 'tb',
  terabyte: 'tb',
  terabytes: 'tb',
};

/**
 * Bytes in a size: a number of bytes, or a string such as `"512kb"`, `"16mb"`, `"1gb"`
 * (units of 1024). `field` names the setting in the error, which suggests the fix.
 */
export const toBytes = (size: number | string, field = 'size'): number => {
  if (typeof size === 'number') {
    if (Number.isFinite(size) && size >= 0) return Math.round(size);
    throw new TributaryError(
      'TRB_CONFIG_INVALID',
      `${field}: ${size} is not a size; use a number of bytes or a string like "16mb"`,
    );
  }
  const text = String(size).trim().toLowerCase();
  const match = SIZE.exec(text);
  if (!match) {
    throw new TributaryError(
      'TRB_CONFIG_INVALID',
      `${field}: ${JSON.stringify(size)} is not a size; use ${suggestSize(text)}`,
    );
  }
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2]]);
};

const suggestSize = (text: string): string => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(text);
  const unit = match && (SIZE_WORDS[match[2]] ?? (SIZE_UNITS[match[2]] ? match[2] : undefined));
  return match && unit
    ? `"${match[1]}${unit}"`
    : 'a number of bytes or a string like "512kb", "16mb" or "1gb"';
};

/** Whether `text` is a size string (for the schema's `size` format). */
export const isSize = (text: string): boolean => SIZE.test(text.trim().toLowerCase());

/** Whether `text` is a duration string (for the schema's `duration` format). */
export const isDuration = (text: string): boolean => {
  try {
    toMillis(text);
    return true;
  } catch {
    return false;
  }
};

/** The message of a unit parser's error without its `field: ` prefix. */
export const unitMessage = (parse: () => unknown, field: string): string | undefined => {
  try {
    parse();
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  }
};

/** Milliseconds of a duration that the schema has already accepted. */
export const millis = (duration: number | string | undefined, fallback: number): number =>
  duration === undefined ? fallback : toMillis(duration);

/** Bytes of a size that the schema has already accepted. */
export const bytes = (size: number | string | undefined, fallback: number): number =>
  size === undefined ? fallback : toBytes(size);
