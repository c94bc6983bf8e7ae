/** Anything that runs SQL: the pool itself or a client inside a transaction. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Embedded PGlite, inside a transaction only: runs `COPY ... FROM '/dev/blob'` with `data` as the
   * blob. PGlite's wire path costs ~0.2 µs per parameter byte (4 ms for one 1792-d vector as text);
   * a binary COPY moves the same rows ~10x faster. Absent on PostgreSQL, which parses text quickly.
   */
  copyFromBlob?(sql: string, data: Uint8Array<ArrayBuffer>): Promise<void>;
}

/** The one door to the database. The same SQL runs on embedded PGlite and on PostgreSQL. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `fn` with each NOTIFY payload on `channel` committed by any connection (LISTEN on
   * PostgreSQL, PGlite's in-process listen embedded). Resolves to the unsubscribe.
   */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
