/**
 * The little both databases must do for the store. PGlite and PostgreSQL speak the same SQL,
 * so everything above this interface is written once; a backend only moves text and
 * parameters to its database and maps the answer back.
 */

export type SqlRow = Record<string, unknown>;

export interface SqlResult<R extends SqlRow = SqlRow> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted by the statement (0 for a SELECT's purposes). */
  readonly rowCount: number;
}

export interface SqlExecutor {
  /** One statement, values bound to `$1`, `$2`, …: values never become part of the SQL text. */
  query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>>;
}

export type BackendKind = 'pglite' | 'postgres';

export interface SqlBackend extends SqlExecutor {
  readonly kind: BackendKind;
  /** Where the data lives, safe to log: `PGlite in memory`, a directory, or a URL without password. */
  readonly location: string;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Nothing else runs on the transaction's connection meanwhile.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The row count a driver reports, whichever field it uses. */
export const rowCountOf = (result: { rowCount?: number | null; affectedRows?: number }): number =>
  result.rowCount ?? result.affectedRows ?? 0;
