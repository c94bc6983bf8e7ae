import { LoupeError } from '../errors.js';
import { parseVectorSql, toVectorSql, type Db, type Queryable } from './db.js';
import { decodeVectorSend, encodeVectorCopy } from './vector-copy.js';

export interface VersionRow {
  name: string;
  kind: 'generic' | 'trained' | 'imported';
  encoder: string;
  dims: number;
  config: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  status: 'building' | 'ready' | 'retired';
  created_at: string;
}

export interface VersionSummary extends VersionRow {
  promoted: boolean;
}

export async function getVersion(db: Queryable, name: string): Promise<VersionRow | undefined> {
  const rows = await db.query<VersionRow>('SELECT * FROM versions WHERE name = $1', [name]);
  return rows[0];
}

/** Creates the version row if missing; refuses to reuse a name for a different encoder or size. */
export async function ensureVersion(db: Queryable, v: Pick<VersionRow, 'name' | 'kind' | 'encoder' | 'dims'> & { config?: Record<string, unknown> }): Promise<VersionRow> {
  await db.query(
    `INSERT INTO versions (name, kind, encoder, dims, config) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING`,
    [v.name, v.kind, v.encoder, v.dims, JSON.stringify(v.config ?? {})],
  );
  const row = (await getVersion(db, v.name))!;
  if (row.encoder !== v.encoder || row.dims !== v.dims || row.kind !== v.kind) {
    throw new LoupeError(
      'conflict',
      `version '${v.name}' already exists for ${row.kind} ${row.encoder} (${row.dims}-d); ` + `refusing to mix in ${v.kind} ${v.encoder} (${v.dims}-d): choose another --version name`,
    );
  }
  return row;
}

/** Registers a trained version, status 'building' until it is projected and evaluated. */
export async function createTrainedVersion(db: Queryable, v: { name: string; encoder: string; dims: number; config: Record<string, unknown> }): Promise<void> {
  await db.query(`INSERT INTO versions (name, kind, encoder, dims, config, status) VALUES ($1, 'trained', $2, $3, $4, 'building')`, [v.name, v.encoder, v.dims, JSON.stringify(v.config)]);
}

export async function listVersions(db: Queryable): Promise<VersionSummary[]> {
  const promoted = await promotedVersion(db);
  const rows = await db.query<VersionRow>('SELECT v.* FROM versions v ORDER BY v.created_at, v.name');
  return rows.map((r) => ({ ...r, promoted: r.name === promoted }));
}

/** The version served by default: the latest promotion, else `generic`. */
export async function promotedVersion(db: Queryable): Promise<string> {
  const rows = await db.query<{ version: string }>('SELECT version FROM promotions ORDER BY id DESC LIMIT 1');
  return rows[0]?.version ?? 'generic';
}

export async function promoteVersion(db: Queryable, name: string): Promise<void> {
  await db.query('INSERT INTO promotions (version) VALUES ($1)', [name]);
}

export interface PendingImage {
  item_id: string;
  image_hash: string;
  ext: string;
}

/** Items with no vector for `version`, in id order after `afterId` (keyset pagination). */
export async function itemsMissingVector(db: Queryable, version: string, afterId: string, limit: number): Promise<PendingImage[]> {
  return db.query<PendingImage>(
    `SELECT i.id AS item_id, i.image_hash, im.ext
       FROM items i JOIN images im ON im.hash = i.image_hash
      WHERE i.id > $2
        AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1)
      ORDER BY i.id
      LIMIT $3`,
    [version, afterId, limit],
  );
}

export async function countMissingVector(db: Queryable, version: string): Promise<number> {
  const rows = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM items i
      WHERE i.image_hash IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1)`,
    [version],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface VectorWrite {
  itemId: string;
  imageHash: string;
  vec: ArrayLike<number>;
}

/** Writes vectors in one statement; an (item, version) already present is left alone (idempotent re-runs). */
export async function insertVectors(db: Queryable, version: string, rows: readonly VectorWrite[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (db.copyFromBlob) return insertVectorsByCopy(db, db.copyFromBlob, version, rows);
  const params: unknown[] = [version];
  const tuples = rows.map((r, i) => {
    params.push(r.itemId, r.imageHash, toVectorSql(r.vec));
    const b = 2 + i * 3;
    return `($${b}, $1, $${b + 1}, $${b + 2}::vector)`;
  });
  const res = await db.query<{ item_id: string }>(
    `INSERT INTO embeddings (item_id, version, image_hash, vec) VALUES ${tuples.join(',')}
     ON CONFLICT (item_id, version) DO NOTHING RETURNING item_id`,
    params,
  );
  return res.length;
}

/**
 * The same write for embedded PGlite: rows go to a transaction-scoped staging table by binary COPY,
 * then into `embeddings` with the same conflict rule, so triggers, seq order and results match.
 */
async function insertVectorsByCopy(db: Queryable, copy: NonNullable<Queryable['copyFromBlob']>, version: string, rows: readonly VectorWrite[]): Promise<number> {
  await db.query('CREATE TEMP TABLE IF NOT EXISTS embeddings_stage (item_id text, image_hash text, vec vector) ON COMMIT DELETE ROWS');
  await copy("COPY embeddings_stage (item_id, image_hash, vec) FROM '/dev/blob' WITH (FORMAT binary)", encodeVectorCopy(rows.map((r) => ({ a: r.itemId, b: r.imageHash, vec: r.vec }))));
  const res = await db.query<{ item_id: string }>(
    `INSERT INTO embeddings (item_id, version, image_hash, vec)
     SELECT item_id, $1, image_hash, vec FROM embeddings_stage
     ON CONFLICT (item_id, version) DO NOTHING RETURNING item_id`,
    [version],
  );
  await db.query('DELETE FROM embeddings_stage');
  return res.length;
}

export async function getVector(db: Queryable, itemId: string, version: string): Promise<Float32Array | undefined> {
  const rows = await db.query<{ vec: string }>('SELECT vec::text AS vec FROM embeddings WHERE item_id = $1 AND version = $2', [itemId, version]);
  return rows[0] ? parseVectorSql(rows[0].vec) : undefined;
}

export interface VectorRow {
  itemId: string;
  seq: number;
  vec: Float32Array;
}

/**
 * Refreshes the planner's statistics of `embeddings`. Right after a bulk write they are stale
 * (PGlite has no autovacuum), and for a page of `vectorPageSince` the planner then picks a bitmap
 * scan of every row past the mark plus a sort: each page costs O(rows left), 253 s to read 1M
 * vectors. After this it walks the (version, seq) index: 200k read in 4.7 s instead of 12.2 s.
 * Only the two columns that plan choice reads, from a 3,000-row sample: embedded, ANALYZE holds
 * the serving thread, and at 1M rows x 256-d it took 385 ms this way against 1,581 ms for the whole
 * table at the default target (the same index plan after both).
 */
export async function analyzeEmbeddings(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL default_statistics_target = 10');
    await tx.query('ANALYZE embeddings (version, seq)');
  });
}

/** Whether `version` holds more than `n` vectors (reads at most n + 1 rows, whatever the statistics). */
export async function hasMoreVectorsThan(db: Queryable, version: string, n: number): Promise<boolean> {
  const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT 1 FROM embeddings WHERE version = $1 LIMIT $2) AS head', [version, n + 1]);
  return Number(rows[0]?.n ?? 0) > n;
}

/** A page of vectors in one flat array (ids.length x dims), for bulk index builds. */
export interface VectorPage {
  ids: string[];
  seqs: number[];
  flat: Float32Array;
}

/**
 * Vectors of `version` written after `afterSeq`, oldest first, in one flat Float32Array: how a
 * serving index catches up. Vectors travel in pgvector's binary form
 * (`vector_send`), not as text: about half the time on PGlite and no number parsing.
 */
export async function vectorPageSince(db: Queryable, version: string, dims: number, afterSeq: number, limit: number): Promise<VectorPage> {
  const rows = await db.query<BinaryRow>(
    `SELECT item_id, seq, vector_send(vec) AS vec FROM embeddings
      WHERE version = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [version, afterSeq, limit],
  );
  const flat = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => {
    if (decodeVectorSend(r.vec, flat, i * dims) !== dims) throw new LoupeError('conflict', `vector of '${r.item_id}' in version '${version}' does not have the version's ${dims} dims`);
  });
  return { ids: rows.map((r) => r.item_id), seqs: rows.map((r) => Number(r.seq)), flat };
}

interface BinaryRow {
  item_id: string;
  seq: string;
  vec: Uint8Array;
}

function toVectorRow(r: BinaryRow): VectorRow {
  const dims = (r.vec.byteLength - 4) / 4;
  const vec = new Float32Array(dims);
  decodeVectorSend(r.vec, vec, 0);
  return { itemId: r.item_id, seq: Number(r.seq), vec };
}

/** How many vectors of a version sit at or below a seq: an index that holds fewer missed a late commit. */
export async function countUpToSeq(db: Queryable, version: string, uptoSeq: number): Promise<number> {
  const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM embeddings WHERE version = $1 AND seq <= $2', [version, uptoSeq]);
  return Number(rows[0]?.n ?? 0);
}

/** Item ids whose vectors sit in a seq window, without the vectors: how an index finds late commits. */
export async function idsInSeqWindow(db: Queryable, version: string, afterSeq: number, uptoSeq: number): Promise<string[]> {
  const rows = await db.query<{ item_id: string }>('SELECT item_id FROM embeddings WHERE version = $1 AND seq > $2 AND seq <= $3', [version, afterSeq, uptoSeq]);
  return rows.map((r) => r.item_id);
}

export async function vectorsOf(db: Queryable, version: string, itemIds: readonly string[]): Promise<VectorRow[]> {
  const rows = await db.query<BinaryRow>(`SELECT item_id, seq, vector_send(vec) AS vec FROM embeddings WHERE version = $1 AND item_id = ANY($2::text[]) ORDER BY seq`, [version, itemIds]);
  return rows.map(toVectorRow);
}

export async function tombstonesSince(db: Queryable, version: string, afterSeq: number): Promise<{ itemId: string; seq: number }[]> {
  const rows = await db.query<{ item_id: string; seq: string }>('SELECT item_id, seq FROM tombstones WHERE version = $1 AND seq > $2 ORDER BY seq', [version, afterSeq]);
  return rows.map((r) => ({ itemId: r.item_id, seq: Number(r.seq) }));
}
