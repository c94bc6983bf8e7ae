import fs from 'node:fs/promises';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { LoupeError } from '../errors.js';
import { readNpyHeader, readNpyRows } from './npy.js';

/**
 * Files of vectors made elsewhere, for `loupe import-vectors`: a .npy matrix with its ids in a text
 * file (one per line, same order), or Parquet with an id column and a list-of-float column. Either
 * is read a slice of rows at a time.
 */

/** Rows `start`.. of the file: their ids (null when the row has none) and values, row-major. */
export interface VectorBatch {
  start: number;
  ids: (string | null)[];
  flat: Float32Array;
  /** Rows (index within the batch) the file itself makes unusable, with why. */
  problems: Map<number, string>;
}

export interface VectorSource {
  format: 'npy' | 'parquet';
  dims: number;
  rows: number;
  /** Ids in the ids file past the last row of the .npy (each an error: no vector for it). */
  extraIds: { line: number; id: string }[];
  batches(size: number): AsyncGenerator<VectorBatch>;
  close(): Promise<void>;
}

export interface VectorFileOptions {
  /** .npy: the ids file. */
  ids?: string | undefined;
  /** Parquet: the vector column (default `vector`, else `embedding`). */
  column?: string | undefined;
}

export async function openVectorFile(file: string, opts: VectorFileOptions = {}): Promise<VectorSource> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return openNpy(file, opts);
  if (ext === '.parquet' || ext === '.pq') {
    if (opts.ids) throw new LoupeError('usage', '--ids is for .npy files: a Parquet file carries its ids in its `id` column');
    return openParquet(file, opts.column);
  }
  throw new LoupeError('usage', `${file}: expected a .npy or .parquet file`);
}

async function readIds(file: string): Promise<string[]> {
  const lines = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => l.trim());
}

async function openNpy(file: string, opts: VectorFileOptions): Promise<VectorSource> {
  if (!opts.ids) throw new LoupeError('usage', `${file}: a .npy file holds no ids: name them with --ids FILE (one per line, in row order)`);
  const ids = await readIds(opts.ids);
  const fh = await fs.open(file, 'r');
  try {
    const header = await readNpyHeader(fh, file);
    const idsName = path.basename(opts.ids);
    return {
      format: 'npy',
      dims: header.dims,
      rows: header.rows,
      extraIds: ids.slice(header.rows).map((id, i) => ({ line: header.rows + i + 1, id })),
      async *batches(size) {
        for (let start = 0; start < header.rows; start += size) {
          const n = Math.min(size, header.rows - start);
          const problems = new Map<number, string>();
          const batchIds = Array.from({ length: n }, (_, i) => {
            const id = ids[start + i];
            if (id === undefined) problems.set(i, `row ${start + i + 1} has no id: ${idsName} has ${ids.length} lines for ${header.rows} rows`);
            return id ?? null;
          });
          yield { start, ids: batchIds, flat: await readNpyRows(fh, header, start, n), problems };
        }
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

function columnNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

async function openParquet(file: string, column: string | undefined): Promise<VectorSource> {
  const buffer = await asyncBufferFromFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new LoupeError('bad_request', `${file}: not a readable Parquet file (${(err as Error).message})`);
  }
  const names = columnNames(metadata);
  if (!names.includes('id')) throw new LoupeError('bad_request', `${file}: no 'id' column (columns: ${names.join(', ')})`);
  const vecCol = column ?? ['vector', 'embedding'].find((c) => names.includes(c));
  if (!vecCol || !names.includes(vecCol)) {
    throw new LoupeError('bad_request', `${file}: no '${column ?? 'vector'}' column${column ? '' : " nor 'embedding'"} (columns: ${names.join(', ')}): name the vector column with --column`);
  }
  const groups: { start: number; end: number }[] = [];
  let at = 0;
  for (const g of metadata.row_groups) groups.push({ start: at, end: (at += Number(g.num_rows)) });
  // The dims of the first row with a vector; a row of another length is that row's error.
  const first = await readRows(buffer, metadata, vecCol, 0, Math.min(at, 64));
  const dims = first.map((r) => r[vecCol]).find((v): v is unknown[] => Array.isArray(v) && v.length > 0)?.length;
  if (!dims) throw new LoupeError('bad_request', `${file}: no vector in the first rows of column '${vecCol}'`);
  return {
    format: 'parquet',
    dims,
    rows: at,
    extraIds: [],
    async *batches(size) {
      // A row group at a time (hyparquet decodes a column chunk whole), handed on in slices of `size`.
      for (const g of groups) {
        const rows = await readRows(buffer, metadata, vecCol, g.start, g.end);
        for (let s = 0; s < rows.length; s += size) {
          const slice = rows.slice(s, s + size);
          const problems = new Map<number, string>();
          const flat = new Float32Array(slice.length * dims);
          const ids = slice.map((r, i) => {
            const row = g.start + s + i + 1;
            const vec: unknown = r[vecCol];
            const id = r.id === null || r.id === undefined ? null : String(r.id);
            if (!Array.isArray(vec) && !ArrayBuffer.isView(vec)) problems.set(i, `row ${row}: no vector in column '${vecCol}'`);
            else if ((vec as ArrayLike<unknown>).length !== dims) problems.set(i, `row ${row}: ${(vec as ArrayLike<unknown>).length} values, the file's vectors have ${dims}`);
            else flat.set(Array.from(vec as ArrayLike<unknown>, Number), i * dims);
            if (id === null && !problems.has(i)) problems.set(i, `row ${row} has no id`);
            return id;
          });
          yield { start: g.start + s, ids, flat, problems };
        }
      }
    },
    close: async () => undefined,
  };
}

async function readRows(file: Awaited<ReturnType<typeof asyncBufferFromFile>>, metadata: FileMetaData, vecCol: string, rowStart: number, rowEnd: number): Promise<Record<string, unknown>[]> {
  let out: Record<string, unknown>[] = [];
  await parquetRead({ file, metadata, columns: ['id', vecCol], rowStart, rowEnd, rowFormat: 'object', onComplete: (rows) => (out = rows) });
  return out as Record<string, unknown>[];
}
