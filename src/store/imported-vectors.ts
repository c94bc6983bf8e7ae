import { toVectorSql, type Queryable } from './db.js';
import { encodeVectorCopy } from './vector-copy.js';

/**
 * `embeddings` rows of imported versions (`loupe import-vectors`): vectors made elsewhere, keyed by
 * item like any other, whose image_hash is a marker (IMPORTED_PREFIX + sha256 of the file) rather
 * than an image they were computed from.
 */
export const IMPORTED_PREFIX = 'imported:';

/** The encoder of every imported version (and of a version trained on one): Loupe has none, so it never encodes a photo into it. */
export const IMPORTED_ENCODER = 'imported';

export interface ImportedVector {
  itemId: string;
  vec: Float32Array;
}

export interface UpsertCounts {
  /** (item, version) pairs that had no vector. */
  added: number;
  /** Pairs whose stored vector differed and was replaced. */
  updated: number;
  /** Pairs already holding exactly this vector. */
  unchanged: number;
}

/** Rows per statement when vectors travel as parameters (PostgreSQL; PGlite uses binary COPY). */
const PARAM_ROWS = 2_000;

/**
 * Upserts one batch: a vector that differs from the stored one is deleted and inserted again,
 * so it gets a new seq and the insert trigger fires (serving indexes pick it up as they pick up any
 * new vector); an identical one is left alone, so re-running the same import changes nothing.
 */
export async function upsertImportedVectors(db: Queryable, version: string, marker: string, rows: readonly ImportedVector[]): Promise<UpsertCounts> {
  if (rows.length === 0) return { added: 0, updated: 0, unchanged: 0 };
  await db.query('CREATE TEMP TABLE IF NOT EXISTS import_stage (item_id text, marker text, vec vector) ON COMMIT DELETE ROWS');
  if (db.copyFromBlob) {
    await db.copyFromBlob("COPY import_stage (item_id, marker, vec) FROM '/dev/blob' WITH (FORMAT binary)", encodeVectorCopy(rows.map((r) => ({ a: r.itemId, b: marker, vec: r.vec }))));
  } else {
    for (let i = 0; i < rows.length; i += PARAM_ROWS) {
      const part = rows.slice(i, i + PARAM_ROWS);
      await db.query('INSERT INTO import_stage (item_id, marker, vec) SELECT id, $2, v::vector FROM unnest($1::text[], $3::text[]) AS u(id, v)', [
        part.map((r) => r.itemId),
        marker,
        part.map((r) => toVectorSql(r.vec)),
      ]);
    }
  }
  // Without statistics on the stage the planner hashes it against a sequential scan of every
  // embedding, once per batch: 526 s for a 1M-row import, each batch slower than the last
  // (`npm run bench -- scale-rest`). Probing the primary key per staged row keeps a batch's cost flat.
  await db.query('SET LOCAL enable_hashjoin = off');
  await db.query('SET LOCAL enable_mergejoin = off');
  const [gone] = await db.query<{ n: string }>(
    `WITH gone AS (
       DELETE FROM embeddings e USING import_stage s
        WHERE e.item_id = s.item_id AND e.version = $1 AND e.vec IS DISTINCT FROM s.vec
       RETURNING e.item_id
     ) SELECT count(*) AS n FROM gone`,
    [version],
  );
  await db.query('SET LOCAL enable_hashjoin TO DEFAULT');
  await db.query('SET LOCAL enable_mergejoin TO DEFAULT');
  const inserted = await db.query<{ item_id: string }>(
    `INSERT INTO embeddings (item_id, version, image_hash, vec)
     SELECT item_id, $1, marker, vec FROM import_stage
     ON CONFLICT (item_id, version) DO NOTHING RETURNING item_id`,
    [version],
  );
  await db.query('DELETE FROM import_stage');
  const updated = Number(gone?.n ?? 0);
  return { added: inserted.length - updated, updated, unchanged: rows.length - inserted.length };
}
