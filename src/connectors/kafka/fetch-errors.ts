import type { fetchV17 } from '@platformatic/kafka';

type FetchResponse = fetchV17.FetchResponse;

/** Kafka's error code for a fetch offset outside the partition's log. */
export const OFFSET_OUT_OF_RANGE = 1;

interface ClientError {
  readonly response?: unknown;
  readonly errors?: readonly unknown[];
  readonly apiCode?: number;
  readonly path?: string;
}

/**
 * What a failed fetch still tells: the client fails the whole response when one partition
 * has an error, but the response rides on the error (the last attempt's, when it retried),
 * with each partition's error code. `codes`: partition index → error code.
 */
export const fetchErrors = (error: unknown): { response?: FetchResponse; codes: Map<number, number> } => {
  let response: FetchResponse | undefined;
  const visit = (e: unknown): void => {
    const err = e as ClientError | undefined;
    if (!err || typeof err !== 'object') return;
    if (isFetchResponse(err.response)) response = err.response;
    for (const inner of err.errors ?? []) visit(inner);
  };
  visit(error);
  const codes = new Map<number, number>();
  for (const topic of response?.responses ?? []) {
    for (const partition of topic.partitions) {
      if (partition.errorCode !== 0) codes.set(partition.partitionIndex, partition.errorCode);
    }
  }
  return response ? { response, codes } : { codes };
};

const isFetchResponse = (value: unknown): value is FetchResponse =>
  typeof value === 'object' && value !== null && Array.isArray((value as FetchResponse).responses);
