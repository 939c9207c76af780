import type { FleetMessage } from '../../live/fleet-message.js';
import { RateMeter } from '../rate-meter.js';
import type { ProgressBoard } from './progress-board.js';

/** A process not heard from for this long has left: its tasks and its intake no longer count. */
export const FLEET_SILENCE_MS = 10_000;

interface NodeIntake {
  appended: number;
  activeSources: readonly string[];
  at: number;
}

/**
 * The deployment as an API node sees it: every process's task reports fed to a status board
 * (the same aggregation a single process does: rates from counter growth, the slowest
 * watermark, lag summed), and every process's intake counter turned into one rate. A task
 * is shown where it last reported (`<node> <member>`), so a task moved to another worker
 * shows up there; a task whose process fell silent is dropped after `FLEET_SILENCE_MS`.
 */
export class FleetBoard {
  private readonly heard = new Map<string, { pipeline: string; task: string; at: number }>();
  private readonly intake = new Map<string, NodeIntake>();
  private readonly inRate: RateMeter;

  constructor(
    private readonly progress: ProgressBoard,
    private readonly now: () => number,
  ) {
    this.inRate = new RateMeter(5, now);
  }

  receive(message: FleetMessage): void {
    const at = this.now();
    if (message.kind === 'task') {
      const { report } = message;
      this.progress.receive(report, `${message.node} ${message.member}`);
      this.heard.set(`${report.pipeline}#${report.task}`, {
        pipeline: report.pipeline,
        task: report.task,
        at,
      });
      return;
    }
    if (message.kind !== 'intake') return;
    const before = this.intake.get(message.node);
    // What a process appended before this node first heard of it is not a rate; a restarted
    // process counts from 0 again, so all it reports then is growth.
    if (before !== undefined)
      this.inRate.add(
        message.appended < before.appended ? message.appended : message.appended - before.appended,
      );
    this.intake.set(message.node, { appended: message.appended, activeSources: message.activeSources, at });
  }

  /** Forgets tasks and processes silent for longer than `FLEET_SILENCE_MS`. */
  prune(): void {
    const oldest = this.now() - FLEET_SILENCE_MS;
    for (const [key, { pipeline, task, at }] of this.heard) {
      if (at >= oldest) continue;
      this.heard.delete(key);
      this.progress.get(pipeline)?.forget(task);
    }
    for (const [node, { at }] of this.intake) if (at < oldest) this.intake.delete(node);
  }

  eventsInPerSec(): number {
    return this.inRate.perSecond();
  }

  /** Sources that appended within ten seconds, on any process. */
  activeSources(): number {
    const active = new Set<string>();
    for (const node of this.intake.values()) for (const source of node.activeSources) active.add(source);
    return active.size;
  }
}
