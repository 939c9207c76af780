import type { Observation } from '../alerts/model.js';
import type { AlertingApi } from '../contract/index.js';
import type { ErrorInfo } from '../errors.js';
import type { TaskReport } from '../runtime/task/task-report.js';

/**
 * What one process of a deployment tells the others through Redis, besides live updates:
 * its tasks' reports, as they reach its own status board, and what its intake appended.
 * API nodes build every number they show from these (and from the store), none from their
 * own memory of work they did not do.
 */
export type FleetMessage =
  | {
      readonly kind: 'task';
      /** The process that runs the task. */
      readonly node: string;
      /** Where in that process: `main` or `worker-N`. */
      readonly member: string;
      readonly report: TaskReport;
    }
  | {
      readonly kind: 'intake';
      readonly node: string;
      /** Events appended since the process started (a restarted process starts again from 0). */
      readonly appended: number;
      /** Sources that appended within ten seconds. */
      readonly activeSources: readonly string[];
    }
  | {
      /** What the pattern-rule pipelines of a worker found, for the node that evaluates the rules. */
      readonly kind: 'observations';
      readonly node: string;
      readonly observations: readonly Observation[];
    }
  | {
      /** An alert route of an API node, asking the node that evaluates the rules. */
      readonly kind: 'alerting-call';
      readonly node: string;
      readonly id: string;
      readonly method: keyof AlertingApi;
      readonly args: readonly unknown[];
    }
  | {
      readonly kind: 'alerting-answer';
      readonly node: string;
      /** The node that asked. */
      readonly to: string;
      readonly id: string;
      readonly value?: unknown;
      readonly error?: ErrorInfo;
    };

/** What a process's intake appended so far, as it tells the others once a second. */
export const intakeMessage = (
  node: string,
  intake: { readonly rate: { readonly count: number }; active(): string[] } | undefined,
): FleetMessage => ({
  kind: 'intake',
  node,
  appended: intake?.rate.count ?? 0,
  activeSources: intake?.active() ?? [],
});
