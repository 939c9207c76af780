import type { MessageToProduce } from '@platformatic/kafka';

/**
 * Bytes of messages in one produce request, about: the batch a partition gets from it must
 * stay under the broker's `message.max.bytes` (1 MiB by default), or the whole request is
 * refused with MESSAGE_TOO_LARGE — and refused again at every retry. The client sends what it
 * is given as one request, so Tributary cuts it first, as Kafka's Java producer does by
 * `batch.size` and `max.request.size`.
 */
export const REQUEST_BYTES = 512 * 1024;
/** Messages in one produce request at most. */
export const REQUEST_MESSAGES = 5_000;
/** What a record costs in a batch beside its key, value and headers (its varint lengths, deltas). */
const RECORD_OVERHEAD = 24;

const sizeOf = (value: unknown): number =>
  value === undefined || value === null
    ? 0
    : Buffer.isBuffer(value)
      ? value.length
      : Buffer.byteLength(String(value));

const messageBytes = (message: MessageToProduce): number => {
  let bytes = RECORD_OVERHEAD + sizeOf(message.key) + sizeOf(message.value);
  const { headers } = message;
  const entries = headers instanceof Map ? headers.entries() : Object.entries(headers ?? {});
  for (const [key, value] of entries) bytes += sizeOf(key) + sizeOf(value);
  return bytes;
};

/**
 * `messages` cut, in order, into produce requests of at most `REQUEST_MESSAGES` and about
 * `REQUEST_BYTES` each; a message larger than that goes alone (the broker judges it).
 */
export const produceRequests = (messages: readonly MessageToProduce[]): MessageToProduce[][] => {
  const requests: MessageToProduce[][] = [];
  let request: MessageToProduce[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (request.length > 0 && (bytes + size > REQUEST_BYTES || request.length >= REQUEST_MESSAGES)) {
      requests.push(request);
      request = [];
      bytes = 0;
    }
    request.push(message);
    bytes += size;
  }
  if (request.length > 0) requests.push(request);
  return requests;
};
