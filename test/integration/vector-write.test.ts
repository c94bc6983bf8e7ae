import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../src/store/db.js';
import { encodeCopyRows, encodeVectorCopy } from '../../src/store/vector-copy.js';
import { countVectorsExact, vectorCounts } from '../../src/store/vector-counts.js';
import { ensureVersion, getVector, insertVectors } from '../../src/store/vectors.js';
import { freshDbUrl, TEST_BACKEND } from '../helpers/backend.js';
import { tempDir } from '../helpers/tmp.js';

const HASH = 'b'.repeat(64);

test('binary COPY rows: signature, one 3-field tuple per row, big-endian vector with its dims, trailer', () => {
  const bytes = Buffer.from(encodeVectorCopy([{ a: 'é', b: 'h', vec: [1.5, -2] }]));
  assert.equal(bytes.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  let o = 19;
  assert.equal(bytes.readInt16BE(o), 3);
  assert.equal(bytes.readInt32BE((o += 2)), 2); // 'é' is two bytes in UTF-8
  assert.equal(bytes.subarray((o += 4), o + 2).toString('utf8'), 'é');
  assert.equal(bytes.readInt32BE((o += 2)), 1);
  o += 5;
  assert.equal(bytes.readInt32BE(o), 4 + 8);
  assert.equal(bytes.readInt16BE((o += 4)), 2);
  assert.equal(bytes.readInt16BE((o += 2)), 0);
  assert.equal(bytes.readFloatBE((o += 2)), 1.5);
  assert.equal(bytes.readFloatBE((o += 4)), -2);
  assert.equal(bytes.readInt16BE((o += 4)), -1);
  assert.equal(o + 2, bytes.length);
});

test('binary COPY rows with NULL texts and vectors load into PGlite as NULLs', async () => {
  const db = await openDb({ dir: path.join(tempDir('copy-nulls'), 'db') });
  try {
    await db.transaction(async (tx) => {
      await tx.query('CREATE TEMP TABLE t (a text, b text, v vector, w vector) ON COMMIT DROP');
      const rows = [
        { texts: ['x', null], vecs: [[0.5, -1], null] },
        { texts: [null, ''], vecs: [null, [3]] },
      ];
      await tx.copyFromBlob!("COPY t (a, b, v, w) FROM '/dev/blob' WITH (FORMAT binary)", encodeCopyRows(rows));
      const back = await tx.query<{ a: string | null; b: string | null; v: string | null; w: string | null }>('SELECT a, b, v::text AS v, w::text AS w FROM t ORDER BY a NULLS LAST');
      assert.deepEqual(back, [
        { a: 'x', b: null, v: '[0.5,-1]', w: null },
        { a: null, b: '', v: null, w: '[3]' },
      ]);
    });
  } finally {
    await db.close();
  }
});

test(`vectors written inside and outside a transaction read back bit for bit (${TEST_BACKEND})`, async () => {
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(tempDir('vector-write'), 'db') });
  try {
    await ensureVersion(db, { name: 'a', kind: 'generic', encoder: 'test', dims: 1792 });
    await ensureVersion(db, { name: 'b', kind: 'generic', encoder: 'test', dims: 1792 });
    await db.query(`INSERT INTO images (hash, ext, width, height, bytes) VALUES ($1, 'jpg', 1, 1, 1)`, [HASH]);
    const ids = ['plain', 'ünïcode id', "quote'd"];
    for (const id of ids) await db.query(`INSERT INTO items (id, image_hash) VALUES ($1, $2)`, [id, HASH]);
    // Values neither path may lose: tiny, huge, zero, many significant digits.
    const vecs = ids.map((_, r) => Float32Array.from({ length: 1792 }, (_, d) => (d === 0 ? 0 : d === 1 ? 3.4e38 : d === 2 ? 1.17e-38 : Math.sin(d * 7.13 + r) / (1 + d))));
    const rows = ids.map((id, i) => ({ itemId: id, imageHash: HASH, vec: vecs[i]! }));

    const inTx = await db.transaction((tx) => {
      // Embedded: writes inside a transaction take the binary COPY path, the others plain INSERT.
      assert.equal(typeof tx.copyFromBlob, TEST_BACKEND === 'pglite' ? 'function' : 'undefined');
      return insertVectors(tx, 'a', rows);
    });
    assert.equal(db.copyFromBlob, undefined);
    const again = await db.transaction((tx) => insertVectors(tx, 'a', [...rows, rows[0]!]));
    const outside = await insertVectors(db, 'b', rows);
    assert.deepEqual([inTx, again, outside], [3, 0, 3], 'new rows counted; rows already there left alone');
    for (const [i, id] of ids.entries()) {
      for (const version of ['a', 'b']) {
        const got = await getVector(db, id, version);
        assert.ok(got, `${id}@${version} stored`);
        assert.deepEqual(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(vecs[i]!.buffer), `${id}@${version}`);
      }
    }
    // A bad vector fails the whole transaction: nothing of it lands.
    await db.query(`INSERT INTO items (id, image_hash) VALUES ('nan', $1), ('fine', $1)`, [HASH]);
    const bad = Float32Array.from({ length: 1792 }, (_, d) => (d === 5 ? NaN : 0.1));
    await assert.rejects(
      db.transaction((tx) =>
        insertVectors(tx, 'a', [
          { itemId: 'fine', imageHash: HASH, vec: vecs[0]! },
          { itemId: 'nan', imageHash: HASH, vec: bad },
        ]),
      ),
      /NaN/,
    );
    assert.equal(await getVector(db, 'fine', 'a'), undefined);
    const [{ n }] = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM embeddings WHERE version = 'a'`)) as [{ n: string }];
    assert.equal(Number(n), 3);
  } finally {
    await db.close();
  }
});

test(`kept vector counts follow every write, delete and rollback, and fold their rows (${TEST_BACKEND})`, async () => {
  const db = await openDb({ url: await freshDbUrl(), dir: path.join(tempDir('vector-counts'), 'db') });
  const same = async (what: string) => assert.deepEqual(await vectorCounts(db), await countVectorsExact(db), what);
  try {
    await ensureVersion(db, { name: 'a', kind: 'generic', encoder: 'test', dims: 4 });
    await ensureVersion(db, { name: 'b', kind: 'generic', encoder: 'test', dims: 4 });
    await db.query(`INSERT INTO images (hash, ext, width, height, bytes) VALUES ($1, 'jpg', 1, 1, 1)`, [HASH]);
    const ids = Array.from({ length: 1200 }, (_, i) => `item-${i}`);
    await db.query(`INSERT INTO items (id, image_hash) SELECT unnest($1::text[]), $2`, [ids, HASH]);
    const row = (id: string) => ({ itemId: id, imageHash: HASH, vec: [1, 0, 0, 0] });
    assert.deepEqual(await vectorCounts(db), new Map());
    // One statement per item: more delta rows than a read keeps before folding them.
    for (const id of ids) await insertVectors(db, 'a', [row(id)]);
    await db.transaction((tx) => insertVectors(tx, 'b', ids.slice(0, 10).map(row)));
    await insertVectors(db, 'a', ids.slice(0, 5).map(row)); // already there: nothing new
    await same('after writes');
    assert.deepEqual(
      await vectorCounts(db),
      new Map([
        ['a', 1200],
        ['b', 10],
      ]),
    );
    const [{ n: folded }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM vector_count_deltas')) as [{ n: string }];
    assert.equal(Number(folded), 2, 'the read folded 1,200+ rows into one per version');
    await assert.rejects(
      db.transaction(async (tx) => {
        await insertVectors(tx, 'b', ids.slice(10, 20).map(row));
        throw new Error('rolled back');
      }),
    );
    await db.query(`DELETE FROM items WHERE id = ANY($1::text[])`, [ids.slice(0, 3)]); // cascades to both versions
    await db.query(`DELETE FROM embeddings WHERE version = 'a' AND item_id = ANY($1::text[])`, [ids.slice(100, 200)]);
    await same('after deletes and a rollback');
    assert.deepEqual(
      await vectorCounts(db),
      new Map([
        ['a', 1097],
        ['b', 7],
      ]),
    );
    await db.query(`DELETE FROM embeddings WHERE version = 'b'`);
    assert.deepEqual(await vectorCounts(db), new Map([['a', 1097]]), 'a version with no vectors left is absent, as before');
  } finally {
    await db.close();
  }
});
