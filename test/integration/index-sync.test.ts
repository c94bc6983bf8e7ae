import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { IndexRegistry } from '../../src/index/registry.js';
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
