import { parseVectorSql, toVectorSql, type Queryable } from './db.js';

/**
 * `object_scans` and `object_vectors`: the objects the detector found in catalogue photos
 * (`loupe encode --objects`), one scan per (item image, version) and one vector per box.
 */

export interface PendingScan {
  item_id: string;
  image_hash: string;
  ext: string;
  /** The versions of the ones asked for with no scan of the item's current image. */
  missing: string[];
}

const UNSCANNED = `SELECT v FROM unnest($1::text[]) AS v
   WHERE NOT EXISTS (SELECT 1 FROM object_scans s WHERE s.item_id = i.id AND s.version = v AND s.image_hash = i.image_hash)`;

/** Items whose current image has no scan in one of `versions`, in id order after `afterId`. */
export async function itemsMissingObjects(db: Queryable, versions: readonly string[], afterId: string, limit: number): Promise<PendingScan[]> {
  return db.query<PendingScan>(
    `SELECT i.id AS item_id, i.image_hash, im.ext, array(${UNSCANNED}) AS missing
       FROM items i JOIN images im ON im.hash = i.image_hash
      WHERE i.id > $2 AND EXISTS (${UNSCANNED})
      ORDER BY i.id
      LIMIT $3`,
    [versions, afterId, limit],
  );
}

/** The items of an objects task whose current image still has no scan in one of `versions` (others may have scanned some). */
export async function objectTaskItems(db: Queryable, versions: readonly string[], itemIds: readonly string[]): Promise<PendingScan[]> {
  return db.query<PendingScan>(
    `SELECT i.id AS item_id, i.image_hash, im.ext, array(${UNSCANNED}) AS missing
       FROM items i JOIN images im ON im.hash = i.image_hash
      WHERE i.id = ANY($2::text[]) AND EXISTS (${UNSCANNED})
      ORDER BY i.id`,
    [versions, itemIds],
  );
}

export async function countMissingObjects(db: Queryable, versions: readonly string[]): Promise<number> {
  const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM items i WHERE i.image_hash IS NOT NULL AND EXISTS (${UNSCANNED})`, [versions]);
  return Number(rows[0]?.n ?? 0);
}

export interface StoredObject {
  box: [number, number, number, number];
  label: string;
  score: number;
  vec: ArrayLike<number>;
}

export interface ObjectScan {
  itemId: string;
  version: string;
  imageHash: string;
  width: number;
  height: number;
  objects: readonly StoredObject[];
}

/**
 * Replaces the item's scan in one version (a stale one, of an older image, goes with its boxes) by
 * this one. Call inside a transaction. Returns the number of objects written.
 */
export async function writeObjectScan(db: Queryable, scan: ObjectScan): Promise<number> {
  await db.query('DELETE FROM object_scans WHERE item_id = $1 AND version = $2', [scan.itemId, scan.version]);
  await db.query('INSERT INTO object_scans (item_id, version, image_hash, width, height) VALUES ($1, $2, $3, $4, $5)', [scan.itemId, scan.version, scan.imageHash, scan.width, scan.height]);
  if (scan.objects.length === 0) return 0;
  const params: unknown[] = [scan.itemId, scan.version];
  const tuples = scan.objects.map((o, i) => {
    params.push(i, o.box, o.label, o.score, toVectorSql(o.vec));
    const b = 3 + i * 5;
    return `($1, $2, $${b}, $${b + 1}::integer[], $${b + 2}, $${b + 3}, $${b + 4}::vector)`;
  });
  await db.query(`INSERT INTO object_vectors (item_id, version, box_index, box, label, score, vec) VALUES ${tuples.join(',')}`, params);
  return scan.objects.length;
}

export interface ReadScan {
  width: number;
  height: number;
  objects: (Omit<StoredObject, 'vec'> & { vec: Float32Array })[];
}

/** The stored scan of the item's current image in `version`, boxes in order; undefined when there is none. */
export async function readObjectScan(db: Queryable, itemId: string, version: string): Promise<ReadScan | undefined> {
  const scans = await db.query<{ width: number; height: number }>(
    `SELECT s.width, s.height FROM object_scans s JOIN items i ON i.id = s.item_id AND i.image_hash = s.image_hash
      WHERE s.item_id = $1 AND s.version = $2`,
    [itemId, version],
  );
  const scan = scans[0];
  if (!scan) return undefined;
  const rows = await db.query<{ box: number[]; label: string; score: number; vec: string }>(
    'SELECT box, label, score, vec::text AS vec FROM object_vectors WHERE item_id = $1 AND version = $2 ORDER BY box_index',
    [itemId, version],
  );
  return {
    width: scan.width,
    height: scan.height,
    objects: rows.map((r) => ({ box: r.box.map(Number) as [number, number, number, number], label: r.label, score: Number(r.score), vec: parseVectorSql(r.vec) })),
  };
}

/** How many objects are stored for `version` (all items). */
export async function countObjects(db: Queryable, version: string): Promise<{ scans: number; objects: number }> {
  const rows = await db.query<{ scans: string; objects: string }>(
    `SELECT (SELECT count(*) FROM object_scans WHERE version = $1) AS scans, (SELECT count(*) FROM object_vectors WHERE version = $1) AS objects`,
    [version],
  );
  return { scans: Number(rows[0]?.scans ?? 0), objects: Number(rows[0]?.objects ?? 0) };
}
