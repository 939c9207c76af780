import Type from 'typebox';
import type { IntakeConnector } from '../connector.js';
import { sourceTopicOptions } from '../source-topic.js';

export interface HttpSourceSettings {
  readonly type: 'http';
}

/**
 * Events `POST`ed to the API. No ingestor: the server appends them itself. Every source
 * takes events over HTTP; this kind takes nothing else.
 */
export const httpConnector: IntakeConnector<HttpSourceSettings> = {
  type: 'http',
  summary: 'Events POSTed to the API (/api/v1/streams/:name/events), and nothing else',
  options: Type.Object(
    { type: Type.Literal('http'), ...sourceTopicOptions },
    { additionalProperties: false },
  ),
  resolve: () => ({ type: 'http' }),
  create: async () => undefined,
};
