import type { Queryable } from './queryable.js';

/**
 * Vectors stored per version, kept as they are written: counting `embeddings` read every row
 * (0.7 s at 1M, for each `loupe versions`, report and stats call). Statement-level triggers add
 * one signed row per version and statement to `vector_count_deltas`; nothing ever updates a row
 * in place, so concurrent writers never wait on a shared counter (a single counter row per
 * version would serialise every encode worker's transaction on its lock). Reads sum the rows;
 * past `COMPACT_AT` rows they are folded into one per version in a single statement.
 *
 * Migration 9 (src/store/migrations.ts). Shipped: change it only through a new migration.
 */
export const VECTOR_COUNT_SQL = `
CREATE TABLE vector_count_deltas (
  version  text NOT NULL,
  n        bigint NOT NULL
);

-- TG_ARGV[0]: +1 for rows that arrived, -1 for rows that left.
CREATE FUNCTION loupe_count_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO vector_count_deltas (version, n)
    SELECT version, TG_ARGV[0]::bigint * count(*) FROM changed_rows GROUP BY version;
  RETURN NULL;
END $$;
CREATE TRIGGER embeddings_inserted_count AFTER INSERT ON embeddings
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_count_vectors('1');
CREATE TRIGGER embeddings_deleted_count AFTER DELETE ON embeddings
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_count_vectors('-1');
-- A row moved to another version (no code does this today) counts out of one and into the other.
CREATE TRIGGER embeddings_moved_out_count AFTER UPDATE ON embeddings
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_count_vectors('-1');
CREATE TRIGGER embeddings_moved_in_count AFTER UPDATE ON embeddings
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_count_vectors('1');

INSERT INTO vector_count_deltas (version, n) SELECT version, count(*) FROM embeddings GROUP BY version;
`;

/** Derived from `embeddings` by the triggers above: not exported, rebuilt by them on import. */
export const VECTOR_COUNT_TABLE = 'vector_count_deltas';

/** Delta rows past which a read folds them into one row per version. */
const COMPACT_AT = 1000;

/** Vectors stored per version (versions with none are absent). */
export async function vectorCounts(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query<{ version: string; n: string; rows: string }>('SELECT version, sum(n) AS n, count(*) AS rows FROM vector_count_deltas GROUP BY version');
  if (rows.reduce((s, r) => s + Number(r.rows), 0) > COMPACT_AT) await compactVectorCounts(db);
  return new Map(rows.filter((r) => Number(r.n) > 0).map((r) => [r.version, Number(r.n)]));
}

/** Any fixed key: one compaction at a time (two deleting the same rows could lock them in opposite orders). */
const COMPACT_LOCK = 7_406_118;

/**
 * One statement, so it is atomic on its own: rows another transaction adds meanwhile are not in
 * its snapshot and stay. A compaction already running elsewhere makes this one a no-op.
 */
async function compactVectorCounts(db: Queryable): Promise<void> {
  await db.query(
    `WITH turn AS (SELECT pg_try_advisory_xact_lock($1) AS mine),
          gone AS (DELETE FROM vector_count_deltas WHERE (SELECT mine FROM turn) RETURNING version, n)
     INSERT INTO vector_count_deltas (version, n) SELECT version, sum(n) FROM gone GROUP BY version HAVING sum(n) <> 0`,
    [COMPACT_LOCK],
  );
}

/** The same figure from the rows themselves (reads every one): what tests check the kept counts against. */
export async function countVectorsExact(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query<{ version: string; n: string }>('SELECT version, count(*) AS n FROM embeddings GROUP BY version');
  return new Map(rows.map((r) => [r.version, Number(r.n)]));
}
