import type { Queryable } from './db.js';

/** The catalogue as data-quality checks read it, and the writes a fix list applies. */

export interface QualityItemRow {
  id: string;
  imageHash: string | null;
  labels: string[];
}

export async function qualityItems(db: Queryable): Promise<QualityItemRow[]> {
  const rows = await db.query<{ id: string; image_hash: string | null; labels: string[] }>('SELECT id, image_hash, labels FROM items ORDER BY id');
  return rows.map((r) => ({ id: r.id, imageHash: r.image_hash, labels: r.labels }));
}

/** Replaces the labels of existing items; returns the ids that exist and changed. */
export async function relabelItems(db: Queryable, labels: ReadonlyMap<string, readonly string[]>): Promise<string[]> {
  if (!labels.size) return [];
  const ids = [...labels.keys()];
  const rows = await db.query<{ id: string }>(
    `UPDATE items i SET labels = c.labels, updated_at = now()
       FROM (SELECT id, string_to_array(joined, E'\\x1f') AS labels FROM unnest($1::text[], $2::text[]) AS u(id, joined)) c
      WHERE i.id = c.id AND i.labels IS DISTINCT FROM coalesce(c.labels, '{}')
      RETURNING i.id`,
    [ids, ids.map((id) => labels.get(id)!.join('\x1f'))],
  );
  return rows.map((r) => r.id);
}

/**
 * Deletes items (their vectors go with them) and writes a tombstone per removed vector so serving
 * indexes drop them on their next sync. Returns the ids that existed.
 */
export async function dropItems(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  await db.query(`INSERT INTO tombstones (item_id, version) SELECT item_id, version FROM embeddings WHERE item_id = ANY($1::text[])`, [ids]);
  const rows = await db.query<{ id: string }>('DELETE FROM items WHERE id = ANY($1::text[]) RETURNING id', [ids]);
  return rows.map((r) => r.id);
}

export async function existingItemIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.query<{ id: string }>('SELECT id FROM items WHERE id = ANY($1::text[])', [ids]);
  return new Set(rows.map((r) => r.id));
}
