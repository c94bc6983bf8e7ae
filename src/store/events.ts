import type { TasteEvent } from '../graph/actions.js';
import type { Queryable } from './db.js';

/** The append-only engagement log (migration 2). Times are epoch milliseconds at this door. */

const BATCH = 2000;
const MS = '(extract(epoch from ts) * 1000)::float8';

interface EventRow {
  user_id: string;
  item_id: string;
  action: string;
  weight: number;
  ms: number;
}

const toEvent = (r: EventRow): TasteEvent => ({ user: r.user_id, item: r.item_id, action: r.action, weight: Number(r.weight), ts: Math.round(Number(r.ms)) });

/**
 * Appends events; one already stored (same user, item, action and time) is skipped, so a file
 * imported twice counts once. Returns the events that were new.
 */
export async function insertEvents(db: Queryable, events: readonly TasteEvent[]): Promise<TasteEvent[]> {
  const added: TasteEvent[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const chunk = events.slice(i, i + BATCH);
    const rows = await db.query<EventRow>(
      `INSERT INTO events (user_id, item_id, action, weight, ts)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::real[], $5::timestamptz[])
       ON CONFLICT (user_id, item_id, action, ts) DO NOTHING
       RETURNING user_id, item_id, action, weight, ${MS} AS ms`,
      [chunk.map((e) => e.user), chunk.map((e) => e.item), chunk.map((e) => e.action), chunk.map((e) => e.weight), chunk.map((e) => new Date(e.ts).toISOString())],
    );
    added.push(...rows.map(toEvent));
  }
  return added;
}

/** Which of `ids` are catalogue items. */
export async function knownItems(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 10 * BATCH) {
    const rows = await db.query<{ id: string }>('SELECT id FROM items WHERE id = ANY($1::text[])', [unique.slice(i, i + 10 * BATCH)]);
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** One user's events, oldest first (the (user_id, ts) index). */
export async function userEvents(db: Queryable, user: string): Promise<TasteEvent[]> {
  const rows = await db.query<EventRow>(`SELECT user_id, item_id, action, weight, ${MS} AS ms FROM events WHERE user_id = $1 ORDER BY ts, id`, [user]);
  return rows.map(toEvent);
}

/** Every event in insertion order, a page at a time. */
export async function* allEvents(db: Queryable, page = 20_000): AsyncGenerator<TasteEvent[]> {
  let after = 0;
  for (;;) {
    const rows = await db.query<EventRow & { id: string }>(`SELECT id, user_id, item_id, action, weight, ${MS} AS ms FROM events WHERE id > $1 ORDER BY id LIMIT $2`, [after, page]);
    if (!rows.length) return;
    after = Number(rows[rows.length - 1]!.id);
    yield rows.map(toEvent);
    if (rows.length < page) return;
  }
}

/** Summed weight per (user, item): the taste graph's user-item edges, a page at a time. */
export async function* engagementTotals(db: Queryable, page = 50_000): AsyncGenerator<{ user: string; item: string; weight: number }[]> {
  let after: [string, string] = ['', ''];
  let first = true;
  for (;;) {
    const rows = await db.query<{ user_id: string; item_id: string; w: number }>(
      `SELECT user_id, item_id, sum(weight)::float8 AS w FROM events
        WHERE $3::boolean OR (user_id, item_id) > ($1, $2)
        GROUP BY user_id, item_id ORDER BY user_id, item_id LIMIT $4`,
      [after[0], after[1], first, page],
    );
    if (!rows.length) return;
    first = false;
    const last = rows[rows.length - 1]!;
    after = [last.user_id, last.item_id];
    yield rows.map((r) => ({ user: r.user_id, item: r.item_id, weight: Number(r.w) }));
    if (rows.length < page) return;
  }
}

/** Users with the most events first: the UI's user picker. */
export async function listUsers(db: Queryable, limit: number): Promise<{ id: string; events: number }[]> {
  const rows = await db.query<{ user_id: string; n: string }>('SELECT user_id, count(*) AS n FROM events GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT $1', [limit]);
  return rows.map((r) => ({ id: r.user_id, events: Number(r.n) }));
}

/** Catalogue rows the graph needs (labels, groups), in id pages. */
export async function* graphItems(db: Queryable, page = 20_000): AsyncGenerator<{ id: string; title: string | null; labels: string[]; groups: string[] }[]> {
  let after = '';
  for (;;) {
    const rows = await db.query<{ id: string; title: string | null; labels: string[]; groups: string[] }>('SELECT id, title, labels, groups FROM items WHERE id > $1 ORDER BY id LIMIT $2', [
      after,
      page,
    ]);
    if (!rows.length) return;
    after = rows[rows.length - 1]!.id;
    yield rows;
    if (rows.length < page) return;
  }
}

/** Titles for explanations (id when an item has none). */
export async function itemTitles(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.query<{ id: string; title: string | null }>('SELECT id, title FROM items WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r.title?.trim() || r.id]));
}

/** How many events are stored, and the newest id (together: whether anything changed since). */
export async function eventsState(db: Queryable): Promise<{ count: number; lastId: number }> {
  const rows = await db.query<{ n: string; last: string | null }>('SELECT count(*) AS n, max(id) AS last FROM events');
  return { count: Number(rows[0]?.n ?? 0), lastId: Number(rows[0]?.last ?? 0) };
}
