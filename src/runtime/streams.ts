import { TributaryError } from '../errors.js';
import type { SourceSpec } from './intake.js';

/** The sources that take events from intake and HTTP ingest: all but those read from Kafka. */
export const intakeSources = (sources: Readonly<Record<string, SourceSpec>>): string[] =>
  Object.entries(sources).flatMap(([name, spec]) => (spec.type === 'kafka' ? [] : [name]));

/** Refuses HTTP ingest into `stream` unless it is a source intake feeds, naming the ones that are. */
export const checkIngestStream = (sources: Readonly<Record<string, SourceSpec>>, stream: string): void => {
  const source = sources[stream];
  const known = intakeSources(sources).join(', ') || 'none';
  if (source?.type === 'kafka')
    throw new TributaryError(
      'TRB_UNKNOWN_SOURCE',
      `stream "${stream}" reads Kafka topic "${source.topic}": produce to that topic with a Kafka client; the streams that take events here are ${known}`,
    );
  if (!source)
    throw new TributaryError(
      'TRB_UNKNOWN_SOURCE',
      `stream "${stream}" is not a configured source; the sources are ${known}`,
    );
};
