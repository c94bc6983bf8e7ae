import type { Queryable } from './db.js';

/** What the proof report reads from the catalogue: images to time and price, nothing written. */

export interface SampleImage {
  id: string;
  hash: string;
  ext: string;
  width: number;
  height: number;
}

/** Up to `n` items with a vector in `version`, spread evenly over the id order (deterministic). */
export async function sampleImages(db: Queryable, version: string, n: number): Promise<SampleImage[]> {
  const rows = await db.query<SampleImage>(
    `SELECT i.id, im.hash, im.ext, im.width, im.height
       FROM items i JOIN images im ON im.hash = i.image_hash
      WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1)
      ORDER BY i.id`,
    [version],
  );
  if (rows.length <= n) return rows;
  const step = rows.length / n;
  return Array.from({ length: n }, (_, i) => rows[Math.floor(i * step)]!);
}

/** Pixel size of every catalogue item's image: what a vision API would be sent. */
export async function catalogueImageSizes(db: Queryable): Promise<{ width: number; height: number }[]> {
  return db.query<{ width: number; height: number }>('SELECT im.width, im.height FROM items i JOIN images im ON im.hash = i.image_hash');
}
