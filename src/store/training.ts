import { parseVectorSql, type Queryable } from './db.js';

export interface ItemWithFeatures {
  id: string;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  features: Float32Array;
}

/** Every item that has a vector in `version`, with the metadata training and evaluation read. */
export async function itemsWithVectors(db: Queryable, version: string): Promise<ItemWithFeatures[]> {
  const rows = await db.query<{ id: string; title: string | null; description: string | null; labels: string[]; groups: string[]; vec: string }>(
    `SELECT i.id, i.title, i.description, i.labels, i.groups, e.vec::text AS vec
       FROM items i JOIN embeddings e ON e.item_id = i.id AND e.version = $1
      ORDER BY i.id`,
    [version],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, description: r.description, labels: r.labels, groups: r.groups, features: parseVectorSql(r.vec) }));
}

/** Items with a vector in `base` but none yet in `target`: what a trained version still has to project. */
export async function itemsToProject(db: Queryable, base: string, target: string, afterId: string, limit: number): Promise<ItemWithFeatures[]> {
  const rows = await db.query<{ id: string; title: string | null; description: string | null; labels: string[]; groups: string[]; vec: string; image_hash: string }>(
    `SELECT i.id, i.title, i.description, i.labels, i.groups, e.vec::text AS vec
       FROM items i JOIN embeddings e ON e.item_id = i.id AND e.version = $1
      WHERE i.id > $3
        AND NOT EXISTS (SELECT 1 FROM embeddings t WHERE t.item_id = i.id AND t.version = $2)
      ORDER BY i.id LIMIT $4`,
    [base, target, afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, description: r.description, labels: r.labels, groups: r.groups, features: parseVectorSql(r.vec) }));
}

/** The image each item's base vector was computed from (trained vectors inherit it). */
export async function baseImageHashes(db: Queryable, base: string, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ item_id: string; image_hash: string }>('SELECT item_id, image_hash FROM embeddings WHERE version = $1 AND item_id = ANY($2::text[])', [base, ids]);
  return new Map(rows.map((r) => [r.item_id, r.image_hash]));
}

/**
 * Co-interaction pairs: two items engaged by the same user, a training signal. Empty when the
 * catalogue has no events table or no events yet.
 */
/** Each user's engaged items and event weights in time order (users with at least two distinct items). */
export async function userSequences(db: Queryable): Promise<{ items: string[]; weights: number[] }[]> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('events')::text AS t`);
  if (!exists[0]?.t) return [];
  const rows = await db.query<{ items: string[]; weights: number[] }>(
    `SELECT array_agg(item_id ORDER BY ts, id) AS items, array_agg(weight ORDER BY ts, id) AS weights FROM events GROUP BY user_id HAVING count(DISTINCT item_id) > 1`,
  );
  return rows.map((r) => ({ items: r.items, weights: r.weights.map(Number) }));
}

export async function coInteractionPairs(db: Queryable, window = 3): Promise<[string, string][]> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('events')::text AS t`);
  if (!exists[0]?.t) return [];
  // Items engaged close together in a user's history: each paired with the next `window` ones.
  const rows = await db.query<{ items: string[] }>(`SELECT array_agg(item_id ORDER BY ts, id) AS items FROM events GROUP BY user_id HAVING count(DISTINCT item_id) > 1`);
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (const r of rows) {
    for (let i = 0; i < r.items.length; i++) {
      for (let j = i + 1; j <= i + window && j < r.items.length; j++) {
        const [a, b] = [r.items[i]!, r.items[j]!].sort() as [string, string];
        if (a === b || seen.has(`${a}\u0000${b}`)) continue;
        seen.add(`${a}\u0000${b}`);
        pairs.push([a, b]);
      }
    }
  }
  return pairs;
}

export async function setVersionStatus(db: Queryable, name: string, status: 'building' | 'ready' | 'retired', metrics?: unknown): Promise<void> {
  await db.query(`UPDATE versions SET status = $2, metrics = COALESCE($3::jsonb, metrics) WHERE name = $1`, [name, status, metrics === undefined ? null : JSON.stringify(metrics)]);
}

/** Trained versions built on `base` that are ready: each must project newly encoded items. */
export async function trainedVersionsOn(db: Queryable, base: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(`SELECT name FROM versions WHERE kind = 'trained' AND status <> 'retired' AND config->>'base' = $1 ORDER BY name`, [base]);
  return rows.map((r) => r.name);
}

/** The photo behind each item's `version` vector (items whose vector came without a photo, e.g. imported ones, are absent). */
export async function photosWithVectors(db: Queryable, version: string): Promise<{ itemId: string; hash: string; ext: string }[]> {
  return db.query<{ itemId: string; hash: string; ext: string }>(
    'SELECT e.item_id AS "itemId", im.hash, im.ext FROM embeddings e JOIN images im ON im.hash = e.image_hash WHERE e.version = $1 ORDER BY e.item_id',
    [version],
  );
}
