import type { ItemView } from './item-views.js';
import type { Queryable } from './db.js';

/** An item as the assistant filters and explains it: the API's item view without its image. */
export type CandidateRow = Omit<ItemView, 'image'>;

export interface CandidateFilter {
  labels: readonly string[];
  notLabels: readonly string[];
  groups: readonly string[];
  notGroups: readonly string[];
}

/** Distinct values kept per attribute when building the vocabulary (one more marks it truncated). */
const VALUES_PER_ATTRIBUTE = 200;

/** The catalogue's vocabulary sources: labels, groups and a sample of each attribute's distinct values. */
export async function vocabularyRows(db: Queryable): Promise<{ labels: string[]; groups: string[]; attributes: { name: string; values: unknown[]; truncated: boolean }[] }> {
  const labels = await db.query<{ v: string }>('SELECT DISTINCT unnest(labels) AS v FROM items ORDER BY v LIMIT 10000');
  const groups = await db.query<{ v: string }>('SELECT DISTINCT unnest(groups) AS v FROM items ORDER BY v LIMIT 10000');
  const keys = await db.query<{ key: string }>('SELECT DISTINCT key FROM items, jsonb_object_keys(attrs) AS key ORDER BY key LIMIT 100');
  const attributes = [];
  for (const { key } of keys) {
    const rows = await db.query<{ v: unknown }>(
      `SELECT DISTINCT attrs->$1 AS v FROM items WHERE attrs ? $1 AND jsonb_typeof(attrs->$1) IN ('string', 'number', 'boolean') LIMIT ${VALUES_PER_ATTRIBUTE + 1}`,
      [key],
    );
    attributes.push({ name: key, values: rows.slice(0, VALUES_PER_ATTRIBUTE).map((r) => r.v), truncated: rows.length > VALUES_PER_ATTRIBUTE });
  }
  return { labels: labels.map((r) => r.v), groups: groups.map((r) => r.v), attributes };
}

/** Changes whenever items are added, updated or removed: the key the vocabulary is cached under. */
export async function catalogueStamp(db: Queryable): Promise<string> {
  // Two subqueries: max() then reads the updated_at index instead of riding along the count's scan.
  const [row] = await db.query<{ n: string; u: string | null }>('SELECT (SELECT count(*) FROM items) AS n, (SELECT max(updated_at) FROM items)::text AS u');
  return `${row?.n ?? 0}:${row?.u ?? ''}`;
}

const SELECT = 'SELECT id, title, description, labels, groups, attrs FROM items';

/** Items passing the label and group filters (attributes are checked by the caller), in id order. */
export async function filteredCandidates(db: Queryable, f: CandidateFilter, limit: number): Promise<CandidateRow[]> {
  return db.query<CandidateRow>(
    `${SELECT}
      WHERE (cardinality($1::text[]) = 0 OR labels && $1::text[])
        AND NOT (labels && $2::text[])
        AND (cardinality($3::text[]) = 0 OR groups && $3::text[])
        AND NOT (groups && $4::text[])
      ORDER BY id LIMIT $5`,
    [f.labels, f.notLabels, f.groups, f.notGroups, limit],
  );
}

export async function candidatesById(db: Queryable, ids: readonly string[]): Promise<Map<string, CandidateRow>> {
  if (!ids.length) return new Map();
  const rows = await db.query<CandidateRow>(`${SELECT} WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}
