import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { IndexRegistry, PAGE } from '../../src/index/registry.js';
import { openDb } from '../../src/store/db.js';
import { ensureVersion, insertVectors } from '../../src/store/vectors.js';
import { freshDbUrl, TEST_BACKEND } from '../helpers/backend.js';
import { tempDir } from '../helpers/tmp.js';

const HASH = 'a'.repeat(64);
const unit = (i: number) => Float32Array.from({ length: 8 }, (_, d) => (d === i % 8 ? 1 : 0.1));

test(`index sync picks up a vector that committed after a later one (${TEST_BACKEND})`, async () => {
  const dir = tempDir('index-sync');
  const url = await freshDbUrl();
  const writer = await openDb({ url, dir: path.join(dir, 'db') });
  await ensureVersion(writer, { name: 'v', kind: 'generic', encoder: 'test', dims: 8 });
  await writer.query(`INSERT INTO images (hash, ext, width, height, bytes) VALUES ($1, 'jpg', 1, 1, 1)`, [HASH]);
  await writer.query(`INSERT INTO items (id, image_hash) SELECT 'item-' || g, $1 FROM generate_series(0, 9) g`, [HASH]);
  const registry = new IndexRegistry(writer, path.join(dir, 'index'));

  if (TEST_BACKEND === 'pglite') {
    // One process, one writer: seq order is commit order. The plain path still has to hold.
    await insertVectors(writer, 'v', [{ itemId: 'item-0', imageHash: HASH, vec: unit(0) }]);
    await registry.sync('v');
    await insertVectors(writer, 'v', [{ itemId: 'item-1', imageHash: HASH, vec: unit(1) }]);
    const r = await registry.sync('v');
    assert.equal(r.size, 2);
    await writer.close();
    return;
  }
  // Two writers, as two `loupe worker`s: the slow one takes its seq first and commits last.
  const slow = await openDb({ url, dir: path.join(dir, 'db') });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inserted!: () => void;
  const insertedP = new Promise<void>((resolve) => (inserted = resolve));
  const slowTx = slow.transaction(async (tx) => {
    await insertVectors(tx, 'v', [{ itemId: 'item-0', imageHash: HASH, vec: unit(0) }]);
    inserted();
    await held;
  });
  await insertedP;
  await insertVectors(writer, 'v', [{ itemId: 'item-1', imageHash: HASH, vec: unit(1) }]);
  const first = await registry.sync('v');
  assert.equal(first.size, 1, 'only the committed vector is visible');
  release();
  await slowTx;
  const second = await registry.sync('v');
  assert.equal(second.size, 2, 'the late commit below the mark is found');
  assert.ok(registry.loaded('v')!.has('item-0'));
  await slow.close();
  await writer.close();
});

test(`a new index of more than one page is built in a worker thread, answers like exact search, and reloads (${TEST_BACKEND})`, async () => {
  const dir = tempDir('index-thread');
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(dir, 'db') });
  const n = PAGE + 1_500;
  const dims = 16;
  // Seeded clustered vectors, so exact neighbours are well separated from the rest.
  let s = 7;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const centres = Array.from({ length: 200 }, () => Float32Array.from({ length: dims }, () => rand() - 0.5));
  const vecs = Array.from({ length: n }, () => {
    const c = centres[Math.floor(rand() * centres.length)]!;
    return Float32Array.from(c, (x) => x + 0.05 * (rand() - 0.5));
  });
  await ensureVersion(db, { name: 'big', kind: 'generic', encoder: 'test', dims });
  await db.query(`INSERT INTO images (hash, ext, width, height, bytes) VALUES ($1, 'jpg', 1, 1, 1)`, [HASH]);
  await db.query(`INSERT INTO items (id, image_hash) SELECT 'item-' || g, $1 FROM generate_series(0, $2::int - 1) g`, [HASH, n]);
  for (let i = 0; i < n; i += 5_000) {
    await db.transaction((tx) =>
      insertVectors(
        tx,
        'big',
        vecs.slice(i, i + 5_000).map((vec, j) => ({ itemId: `item-${i + j}`, imageHash: HASH, vec })),
      ),
    );
  }
  const t = performance.now();
  const report = await new IndexRegistry(db, path.join(dir, 'index'), 'usearch').sync('big');
  const wall = (performance.now() - t) / 1000;
  assert.deepEqual([report.rebuilt, report.inThread, report.size, report.added], [true, true, n, n]);
  const spent = report.threadSeconds!;
  assert.ok(spent.add > 0 && spent.lists > 0 && spent.read > 0, `the thread build says where its time went: ${JSON.stringify(spent)}`);
  assert.ok(spent.add + spent.lists + spent.save <= wall, 'and its parts fit inside the sync');

  // A fresh registry loads what the thread saved, lists included, without rebuilding.
  const again = new IndexRegistry(db, path.join(dir, 'index'), 'usearch');
  const reload = await again.sync('big');
  assert.deepEqual([reload.rebuilt, reload.added, reload.size], [false, 0, n]);
  const index = again.loaded('big')!;
  const cos = (a: Float32Array, b: Float32Array) => {
    let d = 0,
      na = 0,
      nb = 0;
    for (let k = 0; k < dims; k++) [d, na, nb] = [d + a[k]! * b[k]!, na + a[k]! ** 2, nb + b[k]! ** 2];
    return d / Math.sqrt(na * nb);
  };
  let hits = 0;
  const queries = Array.from({ length: 30 }, (_, q) => (q * 7_919) % n);
  for (const q of queries) {
    const exact = vecs
      .map((v, i) => ({ i, s: i === q ? -2 : cos(vecs[q]!, v) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
      .map((x) => `item-${x.i}`);
    const got = (index.related(`item-${q}`, 10) ?? []).map((r) => r.id);
    hits += got.filter((id) => exact.includes(id)).length;
  }
  assert.ok(hits / (queries.length * 10) >= 0.9, `lists from the thread-built index match exact search (recall ${hits / 300})`);

  // A vector written after the build is added in this thread on the next sync.
  await db.query(`INSERT INTO items (id, image_hash) VALUES ('late', $1)`, [HASH]);
  await insertVectors(db, 'big', [{ itemId: 'late', imageHash: HASH, vec: vecs[1]! }]);
  const after = await again.sync('big');
  assert.deepEqual([after.added, after.inThread, after.size], [1, false, n + 1]);
  await db.close();
});
