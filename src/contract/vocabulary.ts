/**
 * The closed lists of the API as plain values, without TypeBox: the schemas are built from
 * them, and the dashboard imports them at run time without carrying a schema library into
 * the browser.
 */

/** How `GET /api/v1/series/:name?step=…&agg=…` combines the numeric fields of a bucket. */
export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** A pipeline's lifecycle, in order; `failed` can follow any of them. */
/**
 * `restoring` while a task loads its key groups from the last checkpoint (`recovery` counts
 * them); `standby` when the pipeline's consumer group runs every partition on other processes.
 */
export const PIPELINE_STATES = [
  'starting',
  'restoring',
  'running',
  'standby',
  'stopping',
  'stopped',
  'failed',
] as const;

/** `pending` until the condition held for the rule's `for`; `resolved` once it stopped holding. */
export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;

/** A silence before its start, while it mutes, and after its end. */
export const SILENCE_STATUSES = ['pending', 'active', 'expired'] as const;

/** How a label matcher compares: equal, not equal, matches a regex, does not match it. */
export const MATCH_TYPES = ['=', '!=', '=~', '!~'] as const;
