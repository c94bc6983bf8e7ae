import type { Queryable } from './db.js';
import { IMPORTED_PREFIX } from './imported-vectors.js';

/** Catalogue repository: the SQL for `images` and `items`, plain enough for PGlite and PostgreSQL 15. */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ImageRow {
  hash: string;
  ext: string;
  width: number;
  height: number;
  bytes: number;
}

export interface ItemRow {
  id: string;
  /** Null for an item with no photo (vectors imported by `loupe import-vectors --create-items`). */
  imageHash: string | null;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, JsonValue>;
  source: string | null;
}

interface ItemDbRow {
  id: string;
  image_hash: string | null;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, JsonValue>;
  source: string | null;
}

const ITEM_COLUMNS = 'id, image_hash, title, description, labels, groups, attrs, source';

function fromDb(r: ItemDbRow): ItemRow {
  return {
    id: r.id,
    imageHash: r.image_hash,
    title: r.title,
    description: r.description,
    labels: r.labels,
    groups: r.groups,
    attrs: r.attrs,
    source: r.source,
  };
}

/** Rows per multi-row INSERT: keeps statements well under PostgreSQL's 65535-parameter cap. */
const CHUNK = 500;

function chunks<T>(rows: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** `($1,$2,...),($n,...)` for `rows` rows of `width` parameters, with optional per-column casts. */
function valuesList(rows: number, casts: readonly string[]): string {
  const width = casts.length;
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    out.push(`(${casts.map((cast, c) => `$${r * width + c + 1}${cast}`).join(',')})`);
  }
  return out.join(',');
}

/** Inserts image rows; an image already stored (same content hash) is left as it is. */
export async function insertImages(q: Queryable, rows: readonly ImageRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    const params = part.flatMap((r) => [r.hash, r.ext, r.width, r.height, r.bytes]);
    await q.query(
      `INSERT INTO images (hash, ext, width, height, bytes) VALUES ${valuesList(part.length, ['', '', '', '', ''])}
       ON CONFLICT (hash) DO NOTHING`,
      params,
    );
  }
}

/** Current state of these items, row-locked until the transaction ends so concurrent ingests don't interleave. */
export async function lockItems(q: Queryable, ids: readonly string[]): Promise<Map<string, ItemRow>> {
  if (ids.length === 0) return new Map();
  const rows = await q.query<ItemDbRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ANY($1::text[]) FOR UPDATE`, [ids]);
  return new Map(rows.map((r) => [r.id, fromDb(r)]));
}

export async function getItem(q: Queryable, id: string): Promise<ItemRow | null> {
  const rows = await q.query<ItemDbRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`, [id]);
  return rows[0] ? fromDb(rows[0]) : null;
}

export async function countItems(q: Queryable): Promise<number> {
  const rows = await q.query<{ n: string }>('SELECT count(*) AS n FROM items');
  return Number(rows[0]?.n ?? 0);
}

export async function itemExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('SELECT 1 FROM items WHERE id = $1', [id])).length > 0;
}

/** The catalogue's size and last change (ISO text, null when empty): what cached answers depend on. */
export async function catalogueState(q: Queryable): Promise<{ count: number; lastUpdated: string | null }> {
  const [row] = await q.query<{ n: string; t: string | null }>('SELECT count(*) AS n, max(updated_at)::text AS t FROM items');
  return { count: Number(row?.n ?? 0), lastUpdated: row?.t ?? null };
}

/** Inserts new items and overwrites existing ones (by id), bumping `updated_at`. */
export async function upsertItems(q: Queryable, rows: readonly ItemRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    const params = part.flatMap((r) => [r.id, r.imageHash, r.title, r.description, r.labels, r.groups, JSON.stringify(r.attrs), r.source]);
    await q.query(
      `INSERT INTO items (${ITEM_COLUMNS})
       VALUES ${valuesList(part.length, ['', '', '', '', '::text[]', '::text[]', '::jsonb', ''])}
       ON CONFLICT (id) DO UPDATE SET
         image_hash = EXCLUDED.image_hash, title = EXCLUDED.title, description = EXCLUDED.description,
         labels = EXCLUDED.labels, groups = EXCLUDED.groups, attrs = EXCLUDED.attrs, source = EXCLUDED.source,
         updated_at = now()`,
      params,
    );
  }
}

/** Of `ids`, those in the catalogue. */
export async function presentItemIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id: string }>('SELECT id FROM items WHERE id = ANY($1::text[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Adds items that are only an id (no photo, no text); returns the ids created (existing ones are left as they are). */
export async function createBareItems(q: Queryable, ids: readonly string[], source: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<{ id: string }>('INSERT INTO items (id, source) SELECT unnest($1::text[]), $2 ON CONFLICT (id) DO NOTHING RETURNING id', [ids, source]);
  return rows.map((r) => r.id);
}

/**
 * Deletes embeddings computed from an image other than the item's current one and records a
 * tombstone per deleted (item, version), so serving indexes drop them on their next sync.
 * Imported vectors were computed from no image of ours and stay. Call inside the transaction that
 * changed the items.
 */
export async function dropStaleEmbeddings(q: Queryable, items: readonly { id: string; imageHash: string | null }[]): Promise<{ itemId: string; version: string }[]> {
  if (items.length === 0) return [];
  const rows = await q.query<{ item_id: string; version: string }>(
    `WITH fresh AS (
       SELECT * FROM unnest($1::text[], $2::text[]) AS c(item_id, image_hash)
     ), gone AS (
       DELETE FROM embeddings e USING fresh c
       WHERE e.item_id = c.item_id AND e.image_hash IS DISTINCT FROM c.image_hash AND e.image_hash NOT LIKE $3
       RETURNING e.item_id, e.version
     )
     INSERT INTO tombstones (item_id, version) SELECT item_id, version FROM gone
     RETURNING item_id, version`,
    [items.map((i) => i.id), items.map((i) => i.imageHash), `${IMPORTED_PREFIX}%`],
  );
  return rows.map((r) => ({ itemId: r.item_id, version: r.version }));
}
