import { TributaryError } from '../errors.js';
import type { SqlBackend, SqlExecutor } from './backend.js';
import { type Tables, tablesIn } from './schema.js';
import type { SeriesStore } from './series-store.js';
import { toStoreError } from './store-errors.js';

/** A task's checkpoint: operator-wide state and the positions it resumes from. */
export interface TaskCheckpointRow {
  readonly pipeline: string;
  /** `all` (every partition), or a partition number as text. */
  readonly task: string;
  readonly id: number;
  /** When it was taken, ms since the epoch. */
  readonly at: number;
  /** JSON text. */
  readonly meta: string;
  /** JSON text. */
  readonly positions: string;
}

/** One row of a key group's state: a full one, or the changes since the row before. */
export interface StateGroupRow {
  readonly group: number;
  readonly seq: number;
  readonly full: boolean;
  /** JSON text. */
  readonly data: string;
}

/** What one checkpoint writes, in one transaction. */
export interface CheckpointWrite {
  readonly task: TaskCheckpointRow;
  readonly groups: readonly StateGroupRow[];
  /** The claim the task's run made when it loaded (`load`): the write is refused under another. */
  readonly owner?: string;
}

export interface SavedTask {
  readonly task?: TaskCheckpointRow;
  /** The rows of the groups asked for, by group then seq: each group's full row first. */
  readonly groups: StateGroupRow[];
  /**
   * Every task of the pipeline that has a checkpoint, this one included (as `tasks` lists
   * them): tells a task whether the checkpoints it finds were taken by tasks laid out as now.
   */
  readonly tasks: string[];
}

/** Group rows per INSERT: 4 parameters each, far below PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1000;

/**
 * Checkpoints in the result store's database: `task_checkpoints` (one row per pipeline task)
 * and `state_groups` (keyed state by key group). `write` commits a checkpoint whole in one
 * transaction, so after a crash the store holds the previous checkpoint or this one.
 */
export class CheckpointStore {
  readonly #backend: SqlBackend;
  readonly #t: Tables;

  private constructor(backend: SqlBackend, tables: Tables) {
    this.#backend = backend;
    this.#t = tables;
  }

  /** On the database and schema of a series store (which owns the connection). */
  static on(store: SeriesStore): CheckpointStore {
    const { backend, schema } = store.sql;
    return new CheckpointStore(backend, tablesIn(schema));
  }

  /**
   * The task's checkpoint, the state rows of `groups`, and which tasks of the pipeline have a
   * checkpoint. With `owner`, the task is claimed for that run first: from then on only its
   * writes land, and a write still under way for an earlier run either lands before the
   * claim (and is loaded here) or is refused.
   */
  load(pipeline: string, task: string, groups: readonly number[], owner?: string): Promise<SavedTask> {
    return this.#guard(`loading the checkpoint of "${pipeline}" task ${task}`, async () => {
      const t = this.#t;
      if (owner !== undefined) {
        await this.#backend.query(
          `INSERT INTO ${t.taskOwners} (pipeline, task, owner) VALUES ($1, $2, $3)
            ON CONFLICT (pipeline, task) DO UPDATE SET owner = excluded.owner, claimed_at = now()`,
          [pipeline, task, owner],
        );
      }
      // Every task's row, but only this task's meta and positions: the others' ids are enough.
      const { rows } = await this.#backend.query<TaskRow>(
        `SELECT task, checkpoint_id, taken_at,
            CASE WHEN task = $2 THEN meta END AS meta,
            CASE WHEN task = $2 THEN positions END AS positions
          FROM ${t.taskCheckpoints} WHERE pipeline = $1 ORDER BY task`,
        [pipeline, task],
      );
      const row = rows.find((r) => r.task === task);
      return {
        task: row && {
          pipeline,
          task,
          id: Number(row.checkpoint_id),
          at: Number(row.taken_at),
          meta: row.meta!,
          positions: row.positions!,
        },
        groups: await this.#groups(pipeline, groups),
        tasks: rows.map((r) => r.task),
      };
    });
  }

  /** The state rows of `groups` alone, by group then seq: what a restore loads a part at a time. */
  loadGroups(pipeline: string, groups: readonly number[]): Promise<StateGroupRow[]> {
    return this.#guard(`loading the key groups of "${pipeline}"`, () => this.#groups(pipeline, groups));
  }

  /** The tasks of a pipeline that have a checkpoint. */
  tasks(pipeline: string): Promise<string[]> {
    return this.#guard(`listing the checkpoints of "${pipeline}"`, async () => {
      const { rows } = await this.#backend.query<{ task: string }>(
        `SELECT task FROM ${this.#t.taskCheckpoints} WHERE pipeline = $1 ORDER BY task`,
        [pipeline],
      );
      return rows.map((r) => r.task);
    });
  }

  /**
   * Writes a checkpoint in one transaction: the task row replaced, the group rows added, and
   * for every full group row, the rows before it deleted.
   */
  write(write: CheckpointWrite): Promise<void> {
    const { task, groups } = write;
    return this.#guard(`writing checkpoint ${task.id} of "${task.pipeline}" task ${task.task}`, () =>
      this.#backend.transaction(async (tx) => {
        if (write.owner !== undefined) await checkOwner(tx, this.#t, task, write.owner);
        await upsertTask(tx, this.#t, task);
        for (let i = 0; i < groups.length; i += ROWS_PER_INSERT) {
          await insertGroups(tx, this.#t, task.pipeline, groups.slice(i, i + ROWS_PER_INSERT));
        }
        const replaced = groups.filter((g) => g.full);
        if (replaced.length > 0) {
          await tx.query(
            `DELETE FROM ${this.#t.stateGroups} AS s
              USING unnest($2::integer[], $3::bigint[]) AS f(key_group, seq)
              WHERE s.pipeline = $1 AND s.key_group = f.key_group AND s.seq < f.seq`,
            [task.pipeline, replaced.map((g) => g.group), replaced.map((g) => g.seq)],
          );
        }
      }),
    );
  }

  /** Forgets every checkpoint and all state of a pipeline. */
  reset(pipeline: string): Promise<void> {
    return this.#guard(`deleting the checkpoints of "${pipeline}"`, () =>
      this.#backend.transaction(async (tx) => {
        await tx.query(`DELETE FROM ${this.#t.taskCheckpoints} WHERE pipeline = $1`, [pipeline]);
        await tx.query(`DELETE FROM ${this.#t.stateGroups} WHERE pipeline = $1`, [pipeline]);
        await tx.query(`DELETE FROM ${this.#t.taskOwners} WHERE pipeline = $1`, [pipeline]);
        await tx.query(`DELETE FROM ${this.#t.checkpoints} WHERE pipeline = $1`, [pipeline]);
      }),
    );
  }

  async #groups(pipeline: string, groups: readonly number[]): Promise<StateGroupRow[]> {
    const { rows } = await this.#backend.query<GroupRow>(
      `SELECT key_group, seq, full_state, data FROM ${this.#t.stateGroups}
        WHERE pipeline = $1 AND key_group = ANY($2::integer[]) ORDER BY key_group, seq`,
      [pipeline, [...groups]],
    );
    return rows.map((r) => ({ group: r.key_group, seq: Number(r.seq), full: r.full_state, data: r.data }));
  }

  async #guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      throw toStoreError(error, this.#backend.location, what);
    }
  }
}

interface TaskRow extends Record<string, unknown> {
  task: string;
  checkpoint_id: number | string;
  taken_at: number | string;
  /** Null on the rows of the other tasks, whose ids are all `load` reads of them. */
  meta: string | null;
  positions: string | null;
}

interface GroupRow extends Record<string, unknown> {
  key_group: number;
  seq: number | string;
  full_state: boolean;
  data: string;
}

/**
 * Refuses a checkpoint of a run that is no longer the task's owner: another run (on another
 * process, after its partition moved there) claimed it since. The row lock orders this
 * against that claim.
 */
const checkOwner = async (db: SqlExecutor, t: Tables, task: TaskCheckpointRow, owner: string) => {
  const { rows } = await db.query<{ owner: string }>(
    `SELECT owner FROM ${t.taskOwners} WHERE pipeline = $1 AND task = $2 FOR UPDATE`,
    [task.pipeline, task.task],
  );
  if (rows.length > 0 && rows[0].owner !== owner) {
    throw new TributaryError(
      'TRB_CHECKPOINT_FENCED',
      `checkpoint ${task.id} of "${task.pipeline}" task ${task.task} was not written: another run of the task ` +
        'took it over since this one started (its partition moved to another process); this run stops without writing',
    );
  }
};

const upsertTask = (db: SqlExecutor, t: Tables, row: TaskCheckpointRow) =>
  db.query(
    `INSERT INTO ${t.taskCheckpoints} (pipeline, task, checkpoint_id, taken_at, meta, positions)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (pipeline, task) DO UPDATE SET checkpoint_id = excluded.checkpoint_id,
        taken_at = excluded.taken_at, meta = excluded.meta, positions = excluded.positions,
        updated_at = now()`,
    [row.pipeline, row.task, row.id, row.at, row.meta, row.positions],
  );

const insertGroups = (db: SqlExecutor, t: Tables, pipeline: string, rows: readonly StateGroupRow[]) => {
  const values: unknown[] = [pipeline];
  const tuples = rows.map((row) => {
    values.push(row.group, row.seq, row.full, row.data);
    const n = values.length;
    return `($1, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
  });
  return db.query(
    `INSERT INTO ${t.stateGroups} (pipeline, key_group, seq, full_state, data) VALUES ${tuples.join(', ')}`,
    values,
  );
};
