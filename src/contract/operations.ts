import { type Static, Type } from 'typebox';

/** `GET /healthz` and `GET /readyz` (which answers 503 with an error body while not ready). */
export const HealthSchema = Type.Object({ status: Type.String({ description: 'ok, or ready' }) });
export type Health = Static<typeof HealthSchema>;

/** `GET /metrics`: Prometheus text, not JSON. */
export const MetricsTextResponse = {
  description: 'Prometheus text exposition format 0.0.4',
  content: { 'text/plain': { schema: Type.String() } },
};
