import type { Key } from '../../engine/batch.js';
import type { Job } from '../../engine/job/job.js';
import { keyGroupOf } from '../../engine/state/key-groups.js';
import type { StateChanges, StateEntry, StateEntryId } from '../../engine/state/keyed-state.js';
import type { StateGroupRow } from '../../store/checkpoint-store.js';

/** A group row's data: per operator, the entries set (`s`) and deleted (`d`). */
type GroupData = Record<string, { s?: StateEntry[]; d?: StateEntryId[] }>;

/** What one checkpoint writes of the keyed state, and what to give back if it fails. */
export interface TakenState {
  readonly rows: StateGroupRow[];
  readonly changes: Map<string, StateChanges>;
  /** Whether every owned group got a full row (a compaction). */
  readonly full: boolean;
  readonly bytes: number;
}

interface GroupStats {
  seq: number;
  fullBytes: number;
  deltaBytes: number;
}

/**
 * A task's keyed state as rows per key group. A checkpoint writes a delta row for each group
 * whose entries changed; once the deltas written since the last full rows outweigh them,
 * the next checkpoint writes every group full instead (one pass over the state), which
 * deletes the rows it replaces. So a checkpoint costs what changed, a restore reads at most
 * about twice the state, and a group's rows can be loaded on their own when its partition
 * moves.
 */
export class GroupedState {
  private readonly stats = new Map<number, GroupStats>();
  private readonly owned: ReadonlySet<number>;
  /** The state came from elsewhere than group rows (an older checkpoint format): write it all next. */
  private rewriteAll = false;

  constructor(
    private readonly job: Job,
    readonly keyGroups: number,
    owned: readonly number[],
  ) {
    this.owned = new Set(owned);
  }

  /**
   * Loads the rows of the owned groups into the job (after its meta). A group's rows are a
   * full one and the deltas written after it, in seq order, since writing a full row deletes
   * the rows before it in the same transaction.
   */
  restore(rows: readonly StateGroupRow[]): void {
    const byGroup = new Map<number, Map<string, Map<string, StateEntry>>>();
    for (const row of rows) {
      if (!this.owned.has(row.group)) continue;
      const stats = this.stats.get(row.group) ?? { seq: 0, fullBytes: 0, deltaBytes: 0 };
      let nodes = byGroup.get(row.group);
      if (row.full || !nodes) byGroup.set(row.group, (nodes = new Map()));
      if (row.full) {
        stats.fullBytes = row.data.length;
        stats.deltaBytes = 0;
      } else stats.deltaBytes += row.data.length;
      stats.seq = row.seq;
      this.stats.set(row.group, stats);
      for (const [node, { s, d }] of Object.entries(JSON.parse(row.data) as GroupData)) {
        let entries = nodes.get(node);
        if (!entries) nodes.set(node, (entries = new Map()));
        for (const [key, sub] of d ?? []) entries.delete(entryId(key, sub));
        for (const entry of s ?? []) entries.set(entryId(entry[0], entry[1]), entry);
      }
    }
    const loaded = new Map<string, StateEntry[]>();
    for (const nodes of byGroup.values()) {
      for (const [node, entries] of nodes) {
        let list = loaded.get(node);
        if (!list) loaded.set(node, (list = []));
        for (const entry of entries.values()) list.push(entry);
      }
    }
    this.job.loadEntries(loaded);
  }

  /** The job's state was restored from another format: the next checkpoint writes every group full. */
  writeAllNext(): void {
    this.rewriteAll = true;
  }

  /** The rows of the next checkpoint: deltas of the changed groups, or every group full. */
  take(): TakenState {
    const changes = this.job.takeChanges();
    let fullBytes = 0;
    let deltaBytes = 0;
    for (const stats of this.stats.values()) {
      fullBytes += stats.fullBytes;
      deltaBytes += stats.deltaBytes;
    }
    const byGroup = new Map<number, GroupData>();
    for (const [node, { set, deleted }] of changes) {
      for (const entry of set) this.dataFor(byGroup, entry[0], node).s!.push(entry);
      for (const id of deleted) (this.dataFor(byGroup, id[0], node).d ??= []).push(id);
    }
    const rows = this.rows(byGroup, false);
    const bytes = rows.reduce((sum, row) => sum + row.data.length, 0);
    // Compacting costs a pass over the whole state: do it for every group at once, when the
    // deltas since the last full rows outweigh them.
    if (!this.rewriteAll && (deltaBytes + bytes <= fullBytes || fullBytes === 0))
      return { rows, changes, full: false, bytes };
    const all = new Map<number, GroupData>();
    for (const [node, entries] of this.job.entries()) {
      for (const entry of entries) this.dataFor(all, entry[0], node).s!.push(entry);
    }
    // A group that emptied out still needs a full row, which deletes its older ones.
    for (const group of this.stats.keys()) if (!all.has(group)) all.set(group, {});
    const full = this.rows(all, true);
    return { rows: full, changes, full: true, bytes: full.reduce((sum, row) => sum + row.data.length, 0) };
  }

  /** The checkpoint holding `taken` is written. */
  committed(taken: TakenState): void {
    if (taken.full) this.rewriteAll = false;
    for (const row of taken.rows) {
      const stats = this.stats.get(row.group) ?? { seq: 0, fullBytes: 0, deltaBytes: 0 };
      stats.seq = row.seq;
      if (row.full) {
        stats.fullBytes = row.data.length;
        stats.deltaBytes = 0;
      } else stats.deltaBytes += row.data.length;
      this.stats.set(row.group, stats);
    }
  }

  /** The checkpoint holding `taken` failed: its changes count as changed again. */
  giveBack(taken: TakenState): void {
    this.job.returnChanges(taken.changes);
  }

  private rows(byGroup: ReadonlyMap<number, GroupData>, full: boolean): StateGroupRow[] {
    const rows: StateGroupRow[] = [];
    for (const [group, data] of [...byGroup].sort((a, b) => a[0] - b[0])) {
      const stats = this.stats.get(group);
      // A group's first row holds all it has: it is full by definition.
      rows.push({ group, seq: (stats?.seq ?? 0) + 1, full: full || !stats, data: JSON.stringify(data) });
    }
    return rows;
  }

  private dataFor(byGroup: Map<number, GroupData>, key: Key, node: string): GroupData[string] {
    const group = this.groupOf(key);
    let data = byGroup.get(group);
    if (!data) byGroup.set(group, (data = {}));
    return (data[node] ??= { s: [] });
  }

  private groupOf(key: Key): number {
    return keyGroupOf(key, this.keyGroups);
  }
}

const entryId = (key: Key, sub: number): string => `${typeof key}:${key}\u0000${sub}`;
