import type { Queryable } from './db.js';

/** What the proof report reads from the catalogue: images to time and price, nothing written. */

export interface SampleImage {
  id: string;
  hash: string;
  ext: string;
  width: number;
  height: number;
}

/**
 * Up to `n` items with a vector in `version`, spread evenly over the id order (deterministic): the
 * rows at floor(i * count / n) for i < n. Picked in SQL, so a million-item catalogue sends back n
 * rows, not every one of them.
 */
export async function sampleImages(db: Queryable, version: string, n: number): Promise<SampleImage[]> {
  if (n <= 0) return [];
  return db.query<SampleImage>(
    `WITH ranked AS (
       SELECT i.id, im.hash, im.ext, im.width, im.height, row_number() OVER (ORDER BY i.id) - 1 AS j, count(*) OVER () AS c
         FROM items i JOIN images im ON im.hash = i.image_hash
        WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id AND e.version = $1))
     SELECT id, hash, ext, width, height FROM ranked
      WHERE c <= $2 OR ((j * $2 + c - 1) / c) * c / $2 = j
      ORDER BY j`,
    [version, n],
  );
}

/** Pixel sizes of the catalogue items' images, each with how many items have it: what a vision API would be sent. */
export async function catalogueImageSizes(db: Queryable): Promise<{ width: number; height: number; count: number }[]> {
  return db.query<{ width: number; height: number; count: number }>(
    'SELECT im.width, im.height, count(*)::int AS count FROM items i JOIN images im ON im.hash = i.image_hash GROUP BY im.width, im.height ORDER BY im.width, im.height',
  );
}
