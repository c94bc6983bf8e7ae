import type { Queryable } from './db.js';

/**
 * A stamp of a version's stored vectors (count and newest seq): the goes-with service rebuilds its
 * in-memory catalogue when it changes.
 */
export async function vectorStamp(db: Queryable, version: string): Promise<string> {
  const rows = await db.query<{ n: string; s: string | null }>('SELECT count(*)::text AS n, max(seq)::text AS s FROM embeddings WHERE version = $1', [version]);
  return `${rows[0]?.n ?? 0}:${rows[0]?.s ?? ''}`;
}
