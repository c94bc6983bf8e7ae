import { z } from 'zod';
import type { Db } from './queryable.js';

/**
 * Data-change notifications. Statement-level triggers NOTIFY on every committed write to items,
 * embeddings, tombstones and promotions, whichever process made it: on PostgreSQL a `loupe ingest`
 * on another machine reaches a running `loupe serve` through LISTEN; embedded, PGlite delivers the
 * same NOTIFY in-process. Payloads stay far below PostgreSQL's 8000-byte NOTIFY limit.
 */
export const CHANGES_CHANNEL = 'loupe_changes';

/** Ids carried per notification; the count is always exact. */
const IDS_PER_NOTICE = 20;

/** Migration 4 (src/store/migrations.ts). Shipped: change it only through a new migration. */
export const CHANGE_TRIGGERS_SQL = `
CREATE FUNCTION loupe_notify_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_rows) THEN
    PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object(
      'table', 'items',
      'action', CASE TG_OP WHEN 'INSERT' THEN 'ingested' ELSE 'updated' END,
      'count', (SELECT count(*) FROM changed_rows),
      'ids', (SELECT coalesce(json_agg(id), '[]'::json)
              FROM (SELECT id FROM changed_rows WHERE length(id) <= 200 LIMIT ${IDS_PER_NOTICE}) s)
    )::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER items_inserted_notify AFTER INSERT ON items
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_notify_items();
CREATE TRIGGER items_updated_notify AFTER UPDATE ON items
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_notify_items();

-- Vectors written or tombstoned: a serving index of that version has something to sync.
CREATE FUNCTION loupe_notify_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object('table', 'embeddings', 'version', version, 'count', n)::text)
  FROM (SELECT version, count(*) AS n FROM changed_rows GROUP BY version) per_version;
  RETURN NULL;
END $$;
CREATE TRIGGER embeddings_inserted_notify AFTER INSERT ON embeddings
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_notify_vectors();
CREATE TRIGGER tombstones_inserted_notify AFTER INSERT ON tombstones
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION loupe_notify_vectors();

CREATE FUNCTION loupe_notify_promotions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${CHANGES_CHANNEL}', json_build_object('table', 'promotions', 'version', NEW.version)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER promotions_inserted_notify AFTER INSERT ON promotions
  FOR EACH ROW EXECUTE FUNCTION loupe_notify_promotions();
`;

const changeSchema = z.discriminatedUnion('table', [
  z.object({ table: z.literal('items'), action: z.enum(['ingested', 'updated']), count: z.number().int().nonnegative(), ids: z.array(z.string()) }),
  z.object({ table: z.literal('embeddings'), version: z.string(), count: z.number().int().nonnegative() }),
  z.object({ table: z.literal('promotions'), version: z.string() }),
]);

/** One committed write, as the triggers describe it. */
export type DataChange = z.infer<typeof changeSchema>;

/** Parses a NOTIFY payload; undefined for anything that is not ours (never throws). */
export function parseChange(payload: string): DataChange | undefined {
  try {
    const parsed = changeSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Calls `fn` with every committed data change, from any process writing to this database. */
export function subscribeChanges(db: Db, fn: (change: DataChange) => void): Promise<() => Promise<void>> {
  return db.listen(CHANGES_CHANNEL, (payload) => {
    const change = parseChange(payload);
    if (change) fn(change);
  });
}
