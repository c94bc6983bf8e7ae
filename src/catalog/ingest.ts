import fs from 'node:fs/promises';
import path from 'node:path';
import type { DataPaths } from '../config.js';
import type { Db, Queryable } from '../store/db.js';
import { dropStaleEmbeddings, insertImages, lockItems, upsertItems, type ImageRow, type ItemRow } from '../store/items.js';
import { DEFAULT_MAX_PIXELS } from '../vision/decode.js';
import { RecordImageError, readImageFile, resolveImagePath, storeImage } from './images.js';
import { readImageFolder } from './folder.js';
import { checkColumns, parseColumnMap, type ColumnMap } from './map.js';
import { readCatalogue, type ParsedCatalogue, type RowError } from './parse.js';
import { recordReader, type CatalogueRecord } from './record.js';
import { SeenFiles, type FileStat } from './seen-files.js';

export { CatalogueError, type RowError } from './parse.js';
export { ColumnMapError, parseColumnMap, type ColumnMap } from './map.js';

export interface IngestProgress {
  /** Records handled so far (stored, unchanged or failed). */
  done: number;
  total: number;
  ingested: number;
  updated: number;
  unchanged: number;
  errors: number;
}

export interface IngestOptions {
  /** Column map for foreign layouts: parsed map, or `--map` strings (`field=column,field=tpl/{col}.jpg`). */
  map?: ColumnMap | string | readonly string[];
  /** Images with more pixels than this are refused (default 50 MP). */
  maxPixels?: number;
  /** Images hashed and decoded at once (default 4). */
  concurrency?: number;
  /** Records per database transaction (default 256). */
  batchSize?: number;
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestResult {
  /** New items. */
  ingested: number;
  /** Existing ids whose data or image changed. */
  updated: number;
  /** Existing ids identical to the catalogue. */
  unchanged: number;
  /** One per rejected record, ordered by line. */
  errors: RowError[];
}

function isColumnMap(m: IngestOptions['map']): m is ColumnMap {
  return m instanceof Map;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Key order in jsonb is not the insertion order, so compare attrs canonically. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function sameItem(a: ItemRow, b: ItemRow): boolean {
  return (
    a.imageHash === b.imageHash &&
    a.title === b.title &&
    a.description === b.description &&
    canonical(a.labels) === canonical(b.labels) &&
    canonical(a.groups) === canonical(b.groups) &&
    canonical(a.attrs) === canonical(b.attrs)
  );
}

interface Ready {
  record: CatalogueRecord;
  image: ImageRow;
}

/** Stores one batch in the caller's transaction and says what each record turned out to be. */
async function writeBatch(tx: Queryable, ready: readonly Ready[], source: string) {
  const counts = { ingested: 0, updated: 0, unchanged: 0 };
  const existing = await lockItems(
    tx,
    ready.map((r) => r.record.id),
  );
  // Only the images of rows written: an unchanged row's image is stored already (items reference images).
  const images = new Map<string, ImageRow>();
  const writes: ItemRow[] = [];
  const changed: ItemRow[] = [];
  for (const { record, image } of ready) {
    const row: ItemRow = {
      id: record.id,
      imageHash: image.hash,
      title: record.title,
      description: record.description,
      labels: record.labels,
      groups: record.groups,
      attrs: record.attrs,
      source,
    };
    const before = existing.get(record.id);
    if (before && sameItem(before, row)) {
      counts.unchanged++;
      continue;
    }
    writes.push(row);
    images.set(image.hash, image);
    if (!before) {
      counts.ingested++;
    } else {
      changed.push(row);
      counts.updated++;
    }
  }
  await insertImages(tx, [...images.values()]);
  await upsertItems(tx, writes);
  await dropStaleEmbeddings(tx, changed);
  return counts;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads a catalogue (CSV/TSV/JSONL, or a folder of images: see readImageFolder) into `images`
 * and `items`. Bad records are reported in `errors` and skipped; everything else lands.
 * Re-running on the same file is idempotent. Throws CatalogueError when the file as a whole
 * can't be used.
 */
export async function ingestCatalogue(db: Db, paths: DataPaths, file: string, options: IngestOptions = {}): Promise<IngestResult> {
  const source = path.resolve(file);
  const map: ColumnMap = isColumnMap(options.map) ? options.map : parseColumnMap(options.map);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const batchSize = Math.max(1, options.batchSize ?? 256);

  const folder = await isDirectory(source);
  const parsed: ParsedCatalogue = folder ? await readImageFolder(source) : await readCatalogue(source);
  if (parsed.columns) checkColumns(map, parsed.columns);
  const baseDir = folder ? source : path.dirname(source);
  const baseReal = await fs.realpath(baseDir);

  const errors: RowError[] = [...parsed.errors];
  const toRecord = recordReader(map, parsed.format);
  const firstLine = new Map<string, number>();
  const records: CatalogueRecord[] = [];
  for (const row of parsed.rows) {
    const out = toRecord(row);
    if ('error' in out) {
      errors.push(out.error);
      continue;
    }
    const seen = firstLine.get(out.record.id);
    if (seen !== undefined) {
      errors.push({ line: row.line, id: out.record.id, reason: `duplicate id '${out.record.id}' (first on line ${seen}); this row is ignored` });
      continue;
    }
    firstLine.set(out.record.id, row.line);
    records.push(out.record);
  }

  const progress: IngestProgress = { done: 0, total: parsed.rows.length + parsed.errors.length, ingested: 0, updated: 0, unchanged: 0, errors: 0 };
  progress.done = progress.total - records.length;
  // Same bytes under several ids are decoded once.
  const stored = new Map<string, Promise<ImageRow>>();

  // Files read by an earlier ingest and unchanged since are not read again.
  const seen = SeenFiles.load(paths);

  const prepare = async (record: CatalogueRecord): Promise<Ready | RowError> => {
    let hash: string;
    let bytes: Buffer;
    let stat: FileStat | undefined;
    try {
      const real = await resolveImagePath(baseDir, baseReal, record.image);
      const known = await seen.check(real, maxPixels);
      if ('image' in known) return { record, image: known.image };
      stat = known.stat;
      ({ bytes, hash } = await readImageFile(real, record.image));
    } catch (err) {
      if (!(err instanceof RecordImageError)) throw err;
      return { line: record.line, id: record.id, reason: err.message };
    }
    let pending = stored.get(hash);
    if (!pending) {
      pending = storeImage(paths, bytes, hash, maxPixels);
      stored.set(hash, pending);
    }
    try {
      const image = await pending;
      if (stat) seen.remember(stat, image);
      return { record, image };
    } catch (err) {
      if (!(err instanceof RecordImageError)) throw err;
      return { line: record.line, id: record.id, reason: `${record.image}: ${err.message}` };
    }
  };

  for (let i = 0; i < records.length; i += batchSize) {
    const batch = records.slice(i, i + batchSize);
    const prepared = await mapLimit(batch, concurrency, prepare);
    const ready: Ready[] = [];
    for (const p of prepared) {
      if ('record' in p) ready.push(p);
      else errors.push(p);
    }
    if (ready.length) {
      const counts = await db.transaction((tx) => writeBatch(tx, ready, source));
      progress.ingested += counts.ingested;
      progress.updated += counts.updated;
      progress.unchanged += counts.unchanged;
    }
    progress.done += batch.length;
    progress.errors = errors.length;
    options.onProgress?.({ ...progress });
  }
  if (records.length === 0) options.onProgress?.({ ...progress, errors: errors.length });
  seen.save();

  errors.sort((a, b) => a.line - b.line);
  return { ingested: progress.ingested, updated: progress.updated, unchanged: progress.unchanged, errors };
}
