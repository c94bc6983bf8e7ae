import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { dataPaths } from '../../src/config.js';
import { openDb } from '../../src/store/db.js';
import { getItem } from '../../src/store/item-views.js';
import { freshDbUrl } from '../helpers/backend.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { npyBytes } from '../helpers/npy.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';
import type { ImportVectorsResult } from '../../src/app/import-vectors.js';

/**
 * `loupe import-vectors` through the real CLI: vectors made elsewhere for catalogue items and for
 * items without a photo (--create-items) become an `imported` version that more-like-this serves,
 * bad rows are named while the rest land, and the dump round-trips the image-less items. No model
 * runs: the catalogue is ingested, never encoded.
 */
delete process.env.LOUPE_DB;
const N = 8;
const DIMS = 8;
const work = tempDir('import-vectors');
const rows = sampleRows().slice(0, N);
const data = path.join(work, 'data');
let dbArgs: string[] = [];
let dbUrl: string | undefined;

const cli = (...args: string[]) => loupe([...args, '--data', data, ...dbArgs]);
const cliJson = <T>(...args: string[]) => loupeJson<T>([...args, '--data', data, ...dbArgs]);

/** A seeded vector per row: catalogue items, two new ids, then the bad rows. */
function vec(i: number): number[] {
  return Array.from({ length: DIMS }, (_, d) => Math.sin(i * 7.3 + d * 1.1) + (i % 3 === d % 3 ? 1 : 0));
}
const ids = [...rows.map((r) => r.id), 'legacy-1', 'legacy-2', 'nan-row', rows[0]!.id, ''];
const matrix = ids.map((_, i) => vec(i));
matrix[N + 2]![3] = NaN;
const npy = path.join(work, 'vectors.npy');
const idsFile = path.join(work, 'ids.txt');

before(async () => {
  dbUrl = await freshDbUrl();
  if (dbUrl) dbArgs = ['--db', dbUrl];
  fs.writeFileSync(npy, npyBytes(matrix));
  fs.writeFileSync(idsFile, ids.join('\n') + '\n');
  assert.equal(cliJson<{ ingested: number }>('ingest', writeSubsetCatalogue(work, N)).ingested, N);
});

function run(...args: string[]): { code: number | null; result: ImportVectorsResult } {
  const r = cli('import-vectors', ...args, '--json');
  return { code: r.code, result: JSON.parse(r.stdout) as ImportVectorsResult };
}

test('import-vectors: the good rows land; ids not in the catalogue, NaN, duplicate and empty ids are each named; exit 1', () => {
  const { code, result } = run(npy, '--ids', idsFile, '--version', 'legacy');
  assert.equal(code, 1);
  assert.equal(result.dims, DIMS);
  assert.equal(result.rows, ids.length);
  assert.equal(result.added, N);
  const reasons = result.errors.map((e) => e.reason);
  assert.deepEqual(
    result.errors.map((e) => e.row),
    [N + 1, N + 2, N + 3, N + 4, N + 5],
  );
  assert.match(reasons[0]!, /item 'legacy-1' is not in the catalogue/);
  assert.match(reasons[1]!, /item 'legacy-2' is not in the catalogue/);
  assert.match(reasons[2]!, /row 11 \(item 'nan-row'\): NaN at dimension 3/);
  assert.match(reasons[3]!, new RegExp(`row 12: duplicate id '${rows[0]!.id}' \\(first on row 1\\)`));
  assert.match(reasons[4]!, /row 13: empty id/);
});

test('import-vectors --create-items adds the unknown ids as items without a photo; the rest is unchanged (idempotent)', async () => {
  const { code, result } = run(npy, '--ids', idsFile, '--version', 'legacy', '--create-items');
  assert.equal(code, 1, 'the bad rows are still bad');
  assert.deepEqual([result.added, result.updated, result.unchanged, result.createdItems], [2, 0, N, 2]);
  assert.equal(result.errors.length, 3);
  const again = run(npy, '--ids', idsFile, '--version', 'legacy', '--create-items').result;
  assert.deepEqual([again.added, again.updated, again.unchanged, again.createdItems], [0, 0, N + 2, 0]);
  const db = await openDb({ url: dbUrl ?? '', dir: dataPaths(data).db });
  try {
    const item = await getItem(db, 'legacy-1');
    assert.equal(item?.image, null);
    assert.ok((await getItem(db, rows[0]!.id))?.image?.thumb);
  } finally {
    await db.close();
  }
});

test('versions lists the imported version; more like this serves imported items, with or without a photo', () => {
  const { versions } = cliJson<{ versions: { name: string; kind: string; dims: number; count: number }[] }>('versions');
  const legacy = versions.find((v) => v.name === 'legacy');
  assert.deepEqual(legacy && [legacy.kind, legacy.dims, legacy.count], ['imported', DIMS, N + 2]);
  for (const id of ['legacy-1', rows[2]!.id]) {
    const res = cliJson<{ version: string; items: { id: string; score: number }[] }>('similar', id, '-k', '5', '--version', 'legacy');
    assert.equal(res.version, 'legacy');
    assert.equal(res.items.length, 5);
    assert.ok(!res.items.some((n) => n.id === id));
  }
});

test('an imported version refuses search by photo and a file of other dims; a half-float v3 file lands and is promoted', () => {
  const photo = cli('search', '--image', rows[0]!.image, '--version', 'legacy');
  assert.equal(photo.code, 1);
  assert.match(photo.stderr, /version 'legacy' holds imported vectors: Loupe has no encoder for them/);
  const narrow = path.join(work, 'narrow.npy');
  fs.writeFileSync(narrow, npyBytes([[1, 2, 3, 4]]));
  const narrowIds = path.join(work, 'narrow.txt');
  fs.writeFileSync(narrowIds, `${rows[0]!.id}\n`);
  const dims = cli('import-vectors', narrow, '--ids', narrowIds, '--version', 'legacy');
  assert.equal(dims.code, 1);
  assert.match(dims.stderr, /version 'legacy' holds 8-d vectors; this file's are 4-d/);
  const f2 = path.join(work, 'half.npy');
  fs.writeFileSync(f2, npyBytes([[0.5, -2, 0.25, 1]], { dtype: '<f2', version: 3 }));
  const half = run(f2, '--ids', narrowIds, '--version', 'narrow', '--promote').result;
  assert.deepEqual([half.added, half.errors.length, half.promoted], [1, 0, true]);
});

/** A Parquet file as other tools write one: a UTF-8 id column and a 3-level LIST<FLOAT> vector column. */
function parquetFile(file: string, fileIds: readonly string[], vectors: readonly (readonly number[] | null)[], rowGroupSize: number): void {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: [...fileIds] },
      { name: 'embedding', data: vectors.map((v) => (v ? [...v] : null)) },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
    rowGroupSize,
  });
  fs.writeFileSync(file, Buffer.from(buf));
}

test('a Parquet file (LIST<FLOAT> column, three row groups) lands: its neighbours are the exact cosine ranking; a row without a vector or of other dims is named', () => {
  const file = path.join(work, 'vectors.parquet');
  const good = rows.map((_, i) => vec(i));
  const short = [1, 2, 3];
  parquetFile(file, [...rows.map((r) => r.id), 'no-vector', 'short'], [...good, null, short], 3);
  const { code, result } = run(file, '--version', 'from-parquet', '--create-items');
  assert.equal(code, 1);
  assert.equal(result.format, 'parquet');
  assert.deepEqual([result.rows, result.dims, result.added], [N + 2, DIMS, N]);
  assert.deepEqual(
    result.errors.map((e) => e.row),
    [N + 1, N + 2],
  );
  assert.match(result.errors[0]!.reason, /row 9: no vector in column 'embedding'/);
  assert.match(result.errors[1]!.reason, /row 10: 3 values, the file's vectors have 8/);
  // The neighbours are the exact cosine ranking of the file's vectors.
  const cos = (x: number[], y: number[]) => x.reduce((s, v, d) => s + v * y[d]!, 0) / Math.hypot(...x) / Math.hypot(...y);
  const expected = rows
    .map((r, i) => ({ id: r.id, score: cos(good[1]!, good[i]!) }))
    .filter((n) => n.id !== rows[1]!.id)
    .sort((x, y) => y.score - x.score)
    .slice(0, 4);
  const got = cliJson<{ items: { id: string; score: number }[] }>('similar', rows[1]!.id, '-k', '4', '--version', 'from-parquet');
  assert.deepEqual(
    got.items.map((n) => n.id),
    expected.map((n) => n.id),
  );
});

test('re-ingesting the catalogue with changed text keeps the imported vectors', () => {
  const catalogue = writeSubsetCatalogue(work, N);
  const [head, first, ...rest] = fs.readFileSync(catalogue, 'utf8').trim().split('\n');
  fs.writeFileSync(catalogue, [head, `${first}-moved`, ...rest].join('\n') + '\n');
  assert.equal(cliJson<{ updated: number }>('ingest', catalogue).updated, 1);
  const { versions } = cliJson<{ versions: { name: string; count: number }[] }>('versions');
  assert.equal(versions.find((v) => v.name === 'legacy')?.count, N + 2);
});

test('export / import round-trips the items without a photo and their imported vectors', async () => {
  const dump = path.join(work, 'dump.jsonl.gz');
  assert.equal(cli('export', dump).code, 0);
  const other = path.join(work, 'other');
  const imported = loupe(['import', dump, '--data', other, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const a = cliJson<{ items: { id: string }[] }>('similar', 'legacy-2', '-k', '4', '--version', 'legacy');
  const b = loupeJson<{ items: { id: string }[] }>(['similar', 'legacy-2', '-k', '4', '--version', 'legacy', '--data', other]);
  assert.deepEqual(
    b.items.map((n) => n.id),
    a.items.map((n) => n.id),
  );
  const db = await openDb({ url: '', dir: dataPaths(other).db });
  try {
    const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM items WHERE image_hash IS NULL');
    assert.equal(Number(row!.n), 2);
    assert.equal((await getItem(db, 'legacy-2'))?.image, null);
  } finally {
    await db.close();
  }
});
