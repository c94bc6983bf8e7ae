import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import { imageFile, type DataPaths } from '../config.js';
import { LoupeError } from '../errors.js';
import type { Db, Queryable } from './db.js';
import { SectionLoad } from './dump-load.js';
import { imageLineSchema, versionFileLineSchema, versionFileLines, VersionFileStage, writeImageLine } from './dump-files.js';
import { blobsMarkerSchema, DUMP_FORMAT, DUMP_VERSION, dumpTables, headerSchema, ident, resetSequences, sectionSchema, trailerSchema, type DumpHeader, type TableShape } from './dump-schema.js';
import { MIGRATIONS } from './migrations.js';

/** Rows per read: a page of 1792-d vectors is ~10 MB of JSON. */
const PAGE = 500;
/** Characters of dump text handed to gzip at a time. */
const PIECE = 1 << 20;

/** What both directions report: the file, its schema, rows per table and version files carried. */
interface DumpSummary {
  file: string;
  schema_migration: number;
  counts: Record<string, number>;
  /** Trained versions' artefact files (always carried). */
  versionFiles: number;
}

export interface ExportResult extends DumpSummary {
  format: string;
  version: number;
  /** Image files written into the dump (`--with-images`), and rows whose file was not in the data dir. */
  images: { written: number; missing: number };
}

export interface ImportResult extends DumpSummary {
  source: string;
  images: { written: number; present: number };
}

const latestMigration = (): number => Math.max(...MIGRATIONS.map((m) => m.id));

/**
 * Writes lines to a gzip stream in ~1 MB pieces, waiting whenever it asks the writer to slow down.
 * Line by line, each 16 kB went to zlib's thread and back on its own: export sat idle for over half
 * its time (`node --cpu-prof`, 100k items).
 */
class LineWriter {
  private readonly gzip = zlib.createGzip({ level: 1, chunkSize: PIECE, highWaterMark: 8 * PIECE } as zlib.ZlibOptions);
  private readonly out: fs.WriteStream;
  private pending: string[] = [];
  private pendingSize = 0;
  constructor(file: string) {
    this.out = fs.createWriteStream(file);
    this.gzip.pipe(this.out);
  }
  async write(value: unknown): Promise<void> {
    await this.writeText(JSON.stringify(value));
  }
  /** A line that is already JSON text. */
  async writeText(line: string): Promise<void> {
    this.pending.push(line, '\n');
    this.pendingSize += line.length + 1;
    if (this.pendingSize >= PIECE) await this.drain();
  }
  private async drain(): Promise<void> {
    const piece = this.pending.join('');
    [this.pending, this.pendingSize] = [[], 0];
    if (piece && !this.gzip.write(piece)) await new Promise((resolve) => this.gzip.once('drain', resolve));
  }
  async end(): Promise<void> {
    await this.drain();
    this.gzip.end();
    await finished(this.out);
  }
}

/** Each row of `t` as the JSON text of its values, in key order. */
async function* tableRows(tx: Queryable, t: TableShape): AsyncGenerator<string> {
  const select = `SELECT json_build_array(${t.columns.map(ident).join(', ')})::text AS r, ${t.key.map((k, i) => `${ident(k)}::text AS k${i}`).join(', ')} FROM ${ident(t.name)}`;
  const order = `ORDER BY ${t.key.map(ident).join(', ')}`;
  const keyTuple = `(${t.key.map(ident).join(', ')})`;
  const keyParams = `(${t.key.map((_, i) => `$${i + 1}`).join(', ')})`;
  let after: string[] | undefined;
  for (;;) {
    const rows = await tx.query<Record<string, string>>(after ? `${select} WHERE ${keyTuple} > ${keyParams} ${order} LIMIT ${PAGE}` : `${select} ${order} LIMIT ${PAGE}`, after ?? []);
    // A `json` column keeps its stored whitespace, newlines included: such a row is re-serialised to stay one line.
    for (const row of rows) yield row.r!.includes('\n') ? JSON.stringify(JSON.parse(row.r!)) : row.r!;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = t.key.map((_, i) => last[`k${i}`]!);
  }
}

/**
 * Dumps every table (one consistent snapshot) and, with `withImages`, the content-addressed
 * originals. Written to `file.partial` and renamed, so a crash never leaves a half dump at `file`.
 */
export async function exportDump(db: Db, paths: DataPaths, file: string, opts: { withImages?: boolean } = {}): Promise<ExportResult> {
  const partial = `${file}.partial`;
  const writer = new LineWriter(partial);
  const counts: Record<string, number> = {};
  const images = { written: 0, missing: 0 };
  let versionFiles = 0;
  try {
    await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const header: DumpHeader = {
        format: DUMP_FORMAT,
        version: DUMP_VERSION,
        schema_migration: latestMigration(),
        source: db.kind,
        created_at: new Date().toISOString(),
      };
      await writer.write(header);
      for (const t of await dumpTables(tx)) {
        await writer.write({ table: t.name, columns: t.columns });
        counts[t.name] = 0;
        for await (const row of tableRows(tx, t)) {
          await writer.writeText(row);
          counts[t.name]!++;
        }
      }
      for (const { name } of await tx.query<{ name: string }>('SELECT name FROM versions ORDER BY name')) {
        for (const line of versionFileLines(paths, name)) {
          await writer.write(line);
          versionFiles++;
        }
      }
      if (opts.withImages) {
        await writer.write({ blobs: true });
        for await (const row of tableRows(tx, { name: 'images', columns: ['hash', 'ext'], key: ['hash'] })) {
          const [hash, ext] = JSON.parse(row) as [string, string];
          const src = imageFile(paths, hash, ext);
          if (!fs.existsSync(src)) {
            images.missing++;
            continue;
          }
          await writer.write({ hash, ext, data: fs.readFileSync(src).toString('base64') });
          images.written++;
        }
      }
    });
    await writer.write({ end: true, counts, blobs: images.written, version_files: versionFiles });
    await writer.end();
    fs.renameSync(partial, file);
  } catch (err) {
    await writer.end().catch(() => undefined);
    fs.rmSync(partial, { force: true });
    throw err;
  }
  return { file, format: DUMP_FORMAT, version: DUMP_VERSION, schema_migration: latestMigration(), counts, images, versionFiles };
}

/** The lines of a gzip file; a corrupt or cut-off file throws (readline would swallow the error). */
async function* gunzipLines(file: string): AsyncGenerator<string> {
  const input = fs.createReadStream(file).pipe(zlib.createGunzip());
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of input) {
      const parts = (rest + decoder.write(chunk as Buffer)).split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
  } catch (err) {
    throw new LoupeError('unprocessable', `${path.basename(file)} is not a complete gzip file (${(err as Error).message}); nothing was imported`);
  }
  if (rest) yield rest;
}

function invalid(file: string, line: number, why: string): LoupeError {
  return new LoupeError('unprocessable', `${path.basename(file)} line ${line}: ${why}`);
}

/**
 * Loads a dump into an empty database, all tables in one transaction: a bad or truncated dump
 * leaves the database as it was. Dumps from an older schema load too (columns they lack take
 * their defaults); dumps from a newer Loupe are refused.
 */
export async function importDump(db: Db, paths: DataPaths, file: string): Promise<ImportResult> {
  if (!fs.existsSync(file)) throw new LoupeError('not_found', `no such dump file: ${file}`);
  const lines = gunzipLines(file);
  const counts: Record<string, number> = {};
  const images = { written: 0, present: 0 };
  let header: DumpHeader | undefined;
  let trailer: { counts: Record<string, number>; blobs: number; version_files: number } | undefined;
  const stage = new VersionFileStage(paths);
  let lineNo = 0;

  try {
    await db.transaction(async (tx) => {
      const known = new Map((await dumpTables(tx)).map((t) => [t.name, t]));
      let section: { table: string; load: SectionLoad } | undefined;
      let inBlobs = false;
      const flush = async () => {
        if (section) counts[section.table] = (counts[section.table] ?? 0) + (await section.load.flush());
      };
      const closeSection = async () => {
        if (!section) return;
        counts[section.table] = (counts[section.table] ?? 0) + (await section.load.close());
        await resetSequences(tx, section.table);
        section = undefined;
      };

      for await (const text of lines) {
        lineNo++;
        if (!text) continue;
        if (trailer) throw invalid(file, lineNo, 'data after the end marker');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw invalid(file, lineNo, 'not JSON (is this a loupe export file?)');
        }
        if (!header) {
          const h = headerSchema.safeParse(value);
          if (!h.success) throw invalid(file, lineNo, `not a ${DUMP_FORMAT} v${DUMP_VERSION} header`);
          if (h.data.schema_migration > latestMigration()) {
            throw new LoupeError('conflict', `the dump has schema migration ${h.data.schema_migration}, this Loupe knows up to ${latestMigration()}: upgrade Loupe to import it`);
          }
          header = h.data;
          continue;
        }
        if (Array.isArray(value)) {
          if (inBlobs || !section) throw invalid(file, lineNo, 'a row outside a table section');
          const columns = section.load.columns;
          if (value.length !== columns.length) throw invalid(file, lineNo, `${value.length} values for ${columns.length} columns of ${section.table}`);
          try {
            section.load.add(value);
          } catch (err) {
            throw invalid(file, lineNo, (err as Error).message);
          }
          if (section.load.pending >= section.load.page) await flush();
          continue;
        }
        const sec = sectionSchema.safeParse(value);
        if (sec.success) {
          await closeSection();
          const target = known.get(sec.data.table);
          if (!target) throw invalid(file, lineNo, `unknown table '${sec.data.table}'`);
          const unknownCols = sec.data.columns.filter((c) => !target.columns.includes(c));
          if (unknownCols.length) throw invalid(file, lineNo, `table ${sec.data.table} has no column(s) ${unknownCols.join(', ')}`);
          const [occupied] = await tx.query(`SELECT 1 FROM ${ident(sec.data.table)} LIMIT 1`);
          if (occupied) {
            throw new LoupeError('conflict', `the target database already holds ${sec.data.table}: import into an empty database (a fresh --data dir or a new PostgreSQL database)`);
          }
          section = { table: sec.data.table, load: new SectionLoad(tx, sec.data.table, sec.data.columns, target.vectorColumns ?? []) };
          counts[section.table] = 0;
          continue;
        }
        if (blobsMarkerSchema.safeParse(value).success) {
          await closeSection();
          inBlobs = true;
          continue;
        }
        const versionFile = versionFileLineSchema.safeParse(value);
        if (versionFile.success) {
          await closeSection();
          stage.add(versionFile.data);
          continue;
        }
        const image = imageLineSchema.safeParse(value);
        if (image.success && inBlobs) {
          try {
            if (writeImageLine(paths, image.data)) images.written++;
            else images.present++;
          } catch (err) {
            throw invalid(file, lineNo, (err as Error).message);
          }
          continue;
        }
        const end = trailerSchema.safeParse(value);
        if (end.success) {
          await closeSection();
          trailer = end.data;
          continue;
        }
        throw invalid(file, lineNo, 'unrecognised line');
      }
      if (!header) throw new LoupeError('unprocessable', `${path.basename(file)} is empty`);
      if (!trailer) throw new LoupeError('unprocessable', `${path.basename(file)} is truncated (no end marker after line ${lineNo}); nothing was imported`);
      for (const [table, n] of Object.entries(trailer.counts)) {
        if ((counts[table] ?? 0) !== n) throw new LoupeError('unprocessable', `${path.basename(file)}: ${table} has ${counts[table] ?? 0} rows, the end marker says ${n}; nothing was imported`);
      }
      if (stage.files !== trailer.version_files)
        throw new LoupeError('unprocessable', `${path.basename(file)}: ${stage.files} version files, the end marker says ${trailer.version_files}; nothing was imported`);
    });
  } catch (err) {
    stage.discard();
    throw err;
  }
  const versionFiles = stage.files;
  stage.commit();
  return { file, source: header!.source, schema_migration: header!.schema_migration, counts, images, versionFiles };
}
