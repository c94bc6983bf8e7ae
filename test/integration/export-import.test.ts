import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import zlib from 'node:zlib';
import { dataPaths } from '../../src/config.js';
import { openDb } from '../../src/store/db.js';
import { importDump } from '../../src/store/dump.js';
import { freshDbUrl, TEST_BACKEND } from '../helpers/backend.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';

/**
 * `loupe export` / `loupe import` move a whole store between backends: embedded PGlite
 * (Postgres 18) -> PostgreSQL 15 (when LOUPE_TEST_PG_URL names one; else a second PGlite) ->
 * PGlite again, keeping counts, vectors bit for bit, promotions, events and results.
 */
delete process.env.LOUPE_DB;
const N = 30;
const work = tempDir('dump');
const rows = sampleRows().slice(0, N);
const probes = [rows[0]!.id, rows[7]!.id, rows[19]!.id];

interface Store {
  data: string;
  db: string[];
  url: string | undefined;
}
const embedded = (name: string): Store => ({ data: path.join(work, name), db: [], url: undefined });
const source = embedded('source');
let middle: Store;
const final = embedded('final');

const cli = (s: Store, ...args: string[]) => loupe([...args, '--data', s.data, ...s.db]);
const cliJson = <T>(s: Store, ...args: string[]) => loupeJson<T>([...args, '--data', s.data, ...s.db]);

interface Snapshot {
  counts: Record<string, number>;
  vectors: Map<string, string>;
  promoted: string[];
  events: string[];
}

/** Everything the dump must carry, read straight from the database. */
async function snapshot(s: Store): Promise<Snapshot> {
  const db = await openDb({ url: s.url ?? '', dir: dataPaths(s.data).db });
  try {
    const counts: Record<string, number> = {};
    for (const t of ['images', 'items', 'versions', 'embeddings', 'promotions', 'events', 'tombstones']) {
      counts[t] = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n);
    }
    const vecs = await db.query<{ k: string; v: string }>(`SELECT item_id || '/' || version AS k, vec::text AS v FROM embeddings`);
    const promoted = await db.query<{ version: string }>('SELECT version FROM promotions ORDER BY id');
    const events = await db.query<{ e: string }>(`SELECT user_id || ' ' || item_id || ' ' || action || ' ' || weight || ' ' || extract(epoch FROM ts) AS e FROM events ORDER BY id`);
    return { counts, vectors: new Map(vecs.map((r) => [r.k, r.v])), promoted: promoted.map((p) => p.version), events: events.map((e) => e.e) };
  } finally {
    await db.close();
  }
}

type Similar = { version: string; items: { id: string; score: number }[] };
const similarAll = (s: Store) => probes.flatMap((id) => ['generic', 'mine'].map((v) => cliJson<Similar>(s, 'similar', id, '-k', '5', '--version', v)));

before(async () => {
  const url = await freshDbUrl();
  middle = url ? { data: path.join(work, 'middle'), db: ['--db', url], url } : embedded('middle');
  assert.equal(cliJson<{ ingested: number }>(source, 'ingest', writeSubsetCatalogue(work, N)).ingested, N);
  assert.equal(cliJson<{ encoded: number }>(source, 'encode').encoded, N);
  cliJson(source, 'train', '--name', 'mine', '--seed', '3', '--dims', '32');
  cliJson(source, 'promote', 'mine');
  const events = rows.slice(0, 6).map((r, i) => `u${i % 2},${r.id},${i % 3 ? 'save' : 'click'},2024-05-0${i + 1}T10:00:00.123Z`);
  fs.writeFileSync(path.join(work, 'events.csv'), ['user,item,action,ts', ...events].join('\n') + '\n');
  assert.equal(cliJson<{ imported: number }>(source, 'events', 'import', path.join(work, 'events.csv')).imported, 6);
});

test(`PGlite -> ${TEST_BACKEND === 'postgres' ? 'PostgreSQL 15' : 'PGlite'} -> PGlite keeps counts, vectors, promotions, events and results`, async () => {
  const first = path.join(work, 'first.jsonl.gz');
  const exported = cliJson<{ counts: Record<string, number>; images: { written: number } }>(source, 'export', first, '--with-images');
  assert.equal(exported.counts.items, N);
  assert.equal(exported.images.written, N);

  const imported = cliJson<{ counts: Record<string, number>; indexes: { version: string; size: number }[] }>(middle, 'import', first);
  assert.deepEqual(imported.counts, exported.counts);
  assert.deepEqual(new Set(imported.indexes.map((i) => `${i.version}:${i.size}`)), new Set([`generic:${N}`, `mine:${N}`]));

  const second = path.join(work, 'second.jsonl.gz');
  cliJson(middle, 'export', second, '--with-images');
  cliJson(final, 'import', second);

  const [a, b, c] = [await snapshot(source), await snapshot(middle), await snapshot(final)];
  assert.equal(a.counts.embeddings, 2 * N);
  for (const other of [b, c]) {
    assert.deepEqual(other.counts, a.counts);
    assert.deepEqual(other.vectors, a.vectors, 'vectors identical to the last digit');
    assert.deepEqual(other.promoted, a.promoted);
    assert.deepEqual(other.events, a.events);
  }
  assert.deepEqual(similarAll(final), similarAll(source));
  assert.deepEqual(similarAll(middle), similarAll(source));

  // The originals travelled inside the dump, under the same content addresses.
  const sample = fs.readdirSync(path.join(source.data, 'images'), { recursive: true }).filter((f) => String(f).includes('.'));
  assert.equal(sample.length, N);
  for (const f of sample) assert.ok(fs.existsSync(path.join(final.data, 'images', String(f))), `image ${String(f)} imported`);

  // Sequences moved past the imported rows: new writes on the copy get fresh ids.
  const later = writeSubsetCatalogue(path.join(work, 'later'), 3, N);
  assert.equal(cliJson<{ ingested: number }>(final, 'ingest', later).ingested, 3);
  assert.equal(cliJson<{ encoded: number }>(final, 'encode').encoded, 3);
  // The trained version's model travelled too: the new items are projected into it.
  const counts = cliJson<{ versions: { name: string; count: number }[] }>(final, 'versions').versions.map((v) => `${v.name}:${v.count}`);
  assert.deepEqual(new Set(counts), new Set([`generic:${N + 3}`, `mine:${N + 3}`]));
});

test('import refuses a non-empty database, a truncated dump and a dump from a newer schema, changing nothing', async () => {
  const dump = path.join(work, 'first.jsonl.gz');
  const busy = cli(source, 'import', dump);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /already holds .*empty database/);

  const bytes = fs.readFileSync(dump);
  const lines = zlib.gunzipSync(bytes).toString('utf8').trim().split('\n');
  const header = JSON.parse(lines[0]!) as { schema_migration: number };
  const write = (name: string, content: Buffer) => {
    fs.writeFileSync(path.join(work, name), content);
    return path.join(work, name);
  };
  // One embedding whose vector is not one: the error names its line and column.
  const section = lines.findIndex((l) => l.startsWith('{"table":"embeddings"'));
  const columns = (JSON.parse(lines[section]!) as { columns: string[] }).columns;
  const row = JSON.parse(lines[section + 1]!) as unknown[];
  row[columns.indexOf('vec')] = '[1,oops]';
  const badVector = lines.map((l, i) => (i === section + 1 ? JSON.stringify(row) : l));
  const bad: [string, RegExp][] = [
    [write('bad-vector.jsonl.gz', zlib.gzipSync(badVector.join('\n'))), new RegExp(`line ${section + 2}: column vec is not a vector`)],
    [write('cut.jsonl.gz', bytes.subarray(0, Math.floor(bytes.length / 2))), /not a complete gzip file/],
    // A whole gzip whose end marker is missing: the rows before it are rolled back too.
    [write('no-end.jsonl.gz', zlib.gzipSync(lines.slice(0, -1).join('\n') + '\n')), /truncated \(no end marker/],
    [write('newer.jsonl.gz', zlib.gzipSync([JSON.stringify({ ...header, schema_migration: header.schema_migration + 1 }), ...lines.slice(1)].join('\n'))), /upgrade Loupe/],
    [write('rows-lost.jsonl.gz', zlib.gzipSync(lines.filter((_, i) => i !== 5).join('\n'))), /rows, the end marker says/],
    [path.join(work, 'events.csv'), /not a complete gzip file/],
  ];
  const empty = embedded('empty');
  const db = await openDb({ url: '', dir: dataPaths(empty.data).db });
  try {
    for (const [file, reason] of bad) {
      await assert.rejects(importDump(db, dataPaths(empty.data), file), reason, path.basename(file));
      const [{ n }] = (await db.query<{ n: string }>('SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM embeddings) + (SELECT count(*) FROM versions) AS n')) as [{ n: string }];
      assert.equal(Number(n), 0, `${path.basename(file)} left nothing behind`);
    }
  } finally {
    await db.close();
  }
});
