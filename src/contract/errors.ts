import { type Static, Type } from 'typebox';

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A code from docs/errors.md, e.g. TRB_HTTP_BAD_REQUEST' }),
      message: Type.String({ description: 'What is wrong and how to fix it' }),
    }),
  },
  { description: 'Every 4xx and 5xx answer has this body' },
);
/** The body of every 4xx and 5xx answer, and of a refused WebSocket message. */
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** The error answers a route can give, for its response schema (and so for the docs). */
export const errorResponses = (...statuses: number[]): Record<number, typeof ErrorBodySchema> =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBodySchema]));
