import type { Db } from './queryable.js';

/**
 * A view of `db` for one request in which each distinct read (the same SELECT with the same
 * parameters) runs once and its rows are shared; anything else passes through. Resolving a version
 * and embedding a query read the same `versions` and `promotions` rows several times, each a round
 * trip (about a millisecond on embedded PGlite, several on a loaded machine). Keep it to one
 * request: it never sees later writes. Callers must not modify the rows it returns.
 */
export function memoReads(db: Db): Db {
  const seen = new Map<string, Promise<unknown[]>>();
  return {
    kind: db.kind,
    query<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      if (!/^\s*SELECT\b/i.test(sql) || /\bFOR\s+(UPDATE|SHARE)\b/i.test(sql)) return db.query<R>(sql, params);
      const key = JSON.stringify([sql, params ?? []]);
      let hit = seen.get(key);
      if (!hit) {
        hit = db.query<R>(sql, params);
        seen.set(key, hit);
        // A failed read is not remembered: the next caller asks again.
        hit.catch(() => seen.delete(key));
      }
      return hit as Promise<R[]>;
    },
    transaction: (fn) => db.transaction(fn),
    listen: (channel, fn) => db.listen(channel, fn),
    close: () => db.close(),
  };
}
