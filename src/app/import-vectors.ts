import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { openVectorFile, type VectorBatch } from '../catalog/vector-file.js';
import { VERSION_NAME } from '../config.js';
import { LoupeError } from '../errors.js';
import type { Db } from '../store/db.js';
import { IMPORTED_ENCODER, IMPORTED_PREFIX, upsertImportedVectors, type ImportedVector } from '../store/imported-vectors.js';
import { createBareItems, presentItemIds } from '../store/items.js';
import { ensureVersion, getVersion } from '../store/vectors.js';
import { ProgressMeter, type ProgressListener } from './progress.js';
import { promote } from './versions.js';

const importVectorsOptions = z.object({
  file: z.string().min(1),
  version: z.string().regex(VERSION_NAME, `a version name matches ${String(VERSION_NAME)}`),
  ids: z.string().min(1).optional(),
  column: z.string().min(1).optional(),
  createItems: z.boolean().default(false),
  promote: z.boolean().default(false),
  /** Rows per transaction. */
  batchSize: z.number().int().min(1).max(100_000).default(10_000),
});
export type ImportVectorsOptions = z.input<typeof importVectorsOptions>;

export interface ImportRowError {
  /** 1-based row of the file (or line of the ids file for an id with no row); null when the error is not about one row. */
  row: number | null;
  id: string | null;
  reason: string;
}

export interface ImportVectorsResult {
  version: string;
  format: 'npy' | 'parquet';
  dims: number;
  rows: number;
  /** Vectors new to the version. */
  added: number;
  /** Vectors that replaced a different stored one. */
  updated: number;
  /** Vectors already stored exactly so (a re-run). */
  unchanged: number;
  /** Image-less items created (--create-items). */
  createdItems: number;
  errors: ImportRowError[];
  promoted: boolean;
  seconds: number;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** The version to write: an existing imported one of the same dims, or a new one. */
async function importVersion(db: Db, name: string, dims: number, config: Record<string, unknown>): Promise<void> {
  const row = await getVersion(db, name);
  if (row && row.kind !== 'imported') {
    throw new LoupeError('conflict', `version '${name}' is a ${row.kind} version made by Loupe; imported vectors go into a version of their own: choose another --version name`);
  }
  if (row && row.dims !== dims) throw new LoupeError('conflict', `version '${name}' holds ${row.dims}-d vectors; this file's are ${dims}-d: choose another --version name`);
  if (row?.status === 'retired') throw new LoupeError('conflict', `version '${name}' is retired: choose another --version name`);
  await ensureVersion(db, { name, kind: 'imported', encoder: IMPORTED_ENCODER, dims, config });
}

/** Checks one batch's rows: ids present, non-empty and not seen before, every value finite. */
function checkRows(batch: VectorBatch, dims: number, seen: Map<string, number>, errors: ImportRowError[]): ImportedVector[] {
  const good: ImportedVector[] = [];
  batch.ids.forEach((id, i) => {
    const row = batch.start + i + 1;
    const problem = batch.problems.get(i);
    const fail = (reason: string) => errors.push({ row, id: id || null, reason });
    if (problem) return fail(problem);
    if (!id) return fail(`row ${row}: empty id`);
    const first = seen.get(id);
    if (first !== undefined) return fail(`row ${row}: duplicate id '${id}' (first on row ${first}); this row is ignored`);
    seen.set(id, row);
    const vec = batch.flat.subarray(i * dims, (i + 1) * dims);
    const bad = vec.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return fail(`row ${row} (item '${id}'): ${vec[bad]} at dimension ${bad}`);
    good.push({ itemId: id, vec });
  });
  return good;
}

/**
 * `loupe import-vectors`: vectors a user already has for the catalogue (another system's, possibly
 * for items without photos) become an `imported` version, served like any other from stored vectors
 * (more like this, feed, complete, eval) but never asked to encode a photo. Rows land in
 * transactions of `batchSize` by binary COPY; a bad row is reported by row and id and the rest
 * land; re-running the same file changes nothing.
 */
export async function importVectors(db: Db, options: ImportVectorsOptions, onProgress?: ProgressListener): Promise<ImportVectorsResult> {
  const parsed = importVectorsOptions.safeParse(options);
  if (!parsed.success) throw new LoupeError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const opts = parsed.data;
  const started = performance.now();
  const source = await openVectorFile(opts.file, { ids: opts.ids, column: opts.column });
  try {
    const digest = await sha256(opts.file);
    const marker = `${IMPORTED_PREFIX}${digest}`;
    await importVersion(db, opts.version, source.dims, { format: source.format, file: path.basename(opts.file), sha256: digest });
    const result: ImportVectorsResult = {
      version: opts.version,
      format: source.format,
      dims: source.dims,
      rows: source.rows,
      added: 0,
      updated: 0,
      unchanged: 0,
      createdItems: 0,
      errors: [],
      promoted: false,
      seconds: 0,
    };
    const meter = new ProgressMeter('import-vectors', source.rows, onProgress);
    onProgress?.(meter.snapshot());
    const seen = new Map<string, number>();
    const itemSource = `import-vectors:${path.resolve(opts.file)}`;
    for await (const batch of source.batches(opts.batchSize)) {
      const good = checkRows(batch, source.dims, seen, result.errors);
      await db.transaction(async (tx) => {
        const ids = good.map((g) => g.itemId);
        if (opts.createItems) result.createdItems += (await createBareItems(tx, ids, itemSource)).length;
        const present = await presentItemIds(tx, ids);
        const known = good.filter((g) => {
          if (present.has(g.itemId)) return true;
          result.errors.push({ row: seen.get(g.itemId)!, id: g.itemId, reason: `row ${seen.get(g.itemId)!}: item '${g.itemId}' is not in the catalogue (--create-items adds it without a photo)` });
          return false;
        });
        const counts = await upsertImportedVectors(tx, opts.version, marker, known);
        result.added += counts.added;
        result.updated += counts.updated;
        result.unchanged += counts.unchanged;
      });
      meter.advance(batch.ids.length);
    }
    for (const extra of source.extraIds) {
      result.errors.push({ row: null, id: extra.id, reason: `line ${extra.line} of the ids file ('${extra.id}') has no row: ${path.basename(opts.file)} holds ${source.rows} rows` });
    }
    result.errors.sort((a, b) => (a.row ?? Infinity) - (b.row ?? Infinity));
    if (opts.promote) {
      if (result.added + result.updated + result.unchanged === 0) throw new LoupeError('conflict', `no vector landed in '${opts.version}': not promoted`);
      await promote(db, opts.version);
      result.promoted = true;
    }
    result.seconds = (performance.now() - started) / 1000;
    return result;
  } finally {
    await source.close();
  }
}
