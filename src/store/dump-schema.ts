import pg from 'pg';
import { z } from 'zod';
import type { Queryable } from './db.js';
import { VECTOR_COUNT_TABLE } from './vector-counts.js';

/**
 * The logical dump format (`loupe export` / `loupe import`): gzip'd JSON lines.
 *   header   {"format":"loupe-dump","version":1,"schema_migration":N,"source":"pglite",...}
 *   section  {"table":"items","columns":["id",...]}   then one JSON array per row
 *   files    {"version","file","data":base64}           each trained version's artefacts
 *   blobs    {"blobs":true}                           then {"hash","ext","data":base64} per image
 *   trailer  {"end":true,"counts":{"items":306,...},"blobs":0,"version_files":5}
 * Values are PostgreSQL's own JSON forms (vectors and other extension types as their text), so
 * the same SQL reads them back on PGlite (Postgres 18) and PostgreSQL 15 alike.
 */
export const DUMP_FORMAT = 'loupe-dump';
export const DUMP_VERSION = 1;

export const headerSchema = z.object({
  format: z.literal(DUMP_FORMAT),
  version: z.literal(DUMP_VERSION),
  schema_migration: z.number().int().nonnegative(),
  source: z.string(),
  created_at: z.string(),
});
export type DumpHeader = z.infer<typeof headerSchema>;

export const sectionSchema = z.object({ table: z.string().min(1), columns: z.array(z.string().min(1)).min(1) });
export const blobsMarkerSchema = z.object({ blobs: z.literal(true) });
export const trailerSchema = z.object({
  end: z.literal(true),
  counts: z.record(z.string(), z.number().int().nonnegative()),
  blobs: z.number().int().nonnegative(),
  version_files: z.number().int().nonnegative(),
});

/**
 * Operational state that cannot continue elsewhere (queued work, leases) stays behind, as does
 * the migration log (the header records it).
 */
const NOT_DUMPED = new Set(['schema_migrations', 'jobs', 'job_tasks', 'job_task_runs', VECTOR_COUNT_TABLE]);

export interface TableShape {
  name: string;
  columns: string[];
  /** Primary-key columns: the keyset order rows are read in. */
  key: string[];
  /** Columns of pgvector's `vector` type (loaded from binary, not parsed from text). */
  vectorColumns?: string[];
}

export const ident = (name: string): string => pg.escapeIdentifier(name);

/** Tables of the current schema in foreign-key order (parents first), with columns and keys. */
export async function dumpTables(db: Queryable): Promise<TableShape[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const edges = await db.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()`,
  );
  const names = tables.map((t) => t.name).filter((n) => !NOT_DUMPED.has(n));
  const ordered = foreignKeyOrder(names, edges);
  const shapes: TableShape[] = [];
  for (const name of ordered) shapes.push(await tableShape(db, name));
  return shapes;
}

async function tableShape(db: Queryable, name: string): Promise<TableShape> {
  const columns = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [ident(name)],
  );
  const key = await db.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [ident(name)],
  );
  const cols = columns.map((c) => c.name);
  return { name, columns: cols, key: key.length ? key.map((k) => k.name) : cols, vectorColumns: columns.filter((c) => c.type === 'vector').map((c) => c.name) };
}

/** Parents before children; tables in a cycle (none today) keep their name order at the end. */
export function foreignKeyOrder(names: readonly string[], edges: readonly { child: string; parent: string }[]): string[] {
  const present = new Set(names);
  const parents = new Map(names.map((n) => [n, new Set<string>()]));
  for (const e of edges) if (present.has(e.child) && present.has(e.parent) && e.child !== e.parent) parents.get(e.child)!.add(e.parent);
  const out: string[] = [];
  const placed = new Set<string>();
  for (let progress = true; progress;) {
    progress = false;
    for (const n of names) {
      if (placed.has(n) || [...parents.get(n)!].some((p) => !placed.has(p))) continue;
      out.push(n);
      placed.add(n);
      progress = true;
    }
  }
  return [...out, ...names.filter((n) => !placed.has(n))];
}

/** Moves every serial/identity sequence of `table` past the largest value now stored. */
export async function resetSequences(db: Queryable, table: string): Promise<void> {
  const serials = await db.query<{ col: string; seq: string }>(
    `SELECT a.attname AS col, pg_get_serial_sequence($1, a.attname) AS seq
       FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence($1, a.attname) IS NOT NULL`,
    [ident(table)],
  );
  for (const s of serials) {
    await db.query(`SELECT setval($1, (SELECT coalesce(max(${ident(s.col)}), 0) + 1 FROM ${ident(table)}), false)`, [s.seq]);
  }
}
