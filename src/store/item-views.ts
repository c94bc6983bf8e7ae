import type { Queryable } from './db.js';

/** Read views of `items` joined with `images`: pages, lookups and counts as the API and UI show them. */

/** An item as the API and UI show it. */
export interface ItemView {
  id: string;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, unknown>;
  /** Null for an item with no photo (its vectors were imported). */
  image: { hash: string; width: number; height: number; url: string; thumb: string } | null;
}

interface ItemRow {
  id: string;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, unknown>;
  image_hash: string | null;
  width: number | null;
  height: number | null;
}

const SELECT_ITEM = `SELECT i.id, i.title, i.description, i.labels, i.groups, i.attrs, i.image_hash, im.width, im.height
  FROM items i LEFT JOIN images im ON im.hash = i.image_hash`;

function toView(r: ItemRow): ItemView {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    labels: r.labels,
    groups: r.groups,
    attrs: r.attrs,
    image: r.image_hash === null ? null : { hash: r.image_hash, width: r.width ?? 0, height: r.height ?? 0, url: `/images/${r.image_hash}`, thumb: `/thumbs/${r.image_hash}` },
  };
}

export interface ItemPageQuery {
  /** Exclusive lower bound on id (keyset pagination). */
  cursor?: string | undefined;
  limit: number;
  label?: string | undefined;
  group?: string | undefined;
}

export async function listItems(db: Queryable, q: ItemPageQuery): Promise<{ items: ItemView[]; next_cursor: string | null }> {
  const rows = await db.query<ItemRow>(
    `${SELECT_ITEM}
      WHERE ($1::text IS NULL OR i.id > $1)
        AND ($2::text IS NULL OR i.labels @> ARRAY[$2::text])
        AND ($3::text IS NULL OR i.groups @> ARRAY[$3::text])
      ORDER BY i.id LIMIT $4`,
    [q.cursor ?? null, q.label ?? null, q.group ?? null, q.limit + 1],
  );
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit).map(toView);
  return { items, next_cursor: more ? items[items.length - 1]!.id : null };
}

export async function getItems(db: Queryable, ids: readonly string[]): Promise<Map<string, ItemView>> {
  if (!ids.length) return new Map();
  const rows = await db.query<ItemRow>(`${SELECT_ITEM} WHERE i.id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((r) => [r.id, toView(r)]));
}

export async function getItem(db: Queryable, id: string): Promise<ItemView | undefined> {
  return (await getItems(db, [id])).get(id);
}

export async function imageExt(db: Queryable, hash: string): Promise<string | undefined> {
  const rows = await db.query<{ ext: string }>('SELECT ext FROM images WHERE hash = $1', [hash]);
  return rows[0]?.ext;
}

export async function catalogueStats(db: Queryable): Promise<{ items: number; labels: { label: string; count: number }[]; groups: number }> {
  const [n] = await db.query<{ n: string }>('SELECT count(*) AS n FROM items');
  const labels = await db.query<{ label: string; count: string }>('SELECT label, count(*) AS count FROM items, unnest(labels) AS label GROUP BY label ORDER BY count(*) DESC, label');
  const [g] = await db.query<{ n: string }>('SELECT count(DISTINCT g) AS n FROM items, unnest(groups) AS g');
  return { items: Number(n?.n ?? 0), labels: labels.map((l) => ({ label: l.label, count: Number(l.count) })), groups: Number(g?.n ?? 0) };
}
