/**
 * Compile-time only: the dashboard's copy of the API types (web/src/api/types.ts) must
 * accept what the server returns (src/server/platform-api.ts). `npm run typecheck` fails
 * here when the two drift apart.
 */
import type * as alerts from '../../src/alerts/model.js';
import type * as server from '../../src/server/platform-api.js';
import type {
  SeriesInfo as ServerSeriesInfo,
  SeriesPoint as ServerSeriesPoint,
} from '../../src/store/types.js';
import type * as web from '../../web/src/api/types.js';

type Accepts<Web, Server extends Web> = Server;

export type Contract = [
  Accepts<web.PlatformStats, server.PlatformStats>,
  Accepts<web.PipelineStatus, server.PipelineStatus>,
  Accepts<web.OperatorStatus, server.OperatorStatus>,
  Accepts<web.StoredRecord, server.StoredRecord>,
  Accepts<web.SeriesPoint, ServerSeriesPoint>,
  Accepts<web.SeriesInfo, ServerSeriesInfo>,
  Accepts<web.AlertView, alerts.AlertView>,
  Accepts<web.AlertTransition, alerts.AlertTransition>,
  Accepts<web.Silence, alerts.Silence>,
];
