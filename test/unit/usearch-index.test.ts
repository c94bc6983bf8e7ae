import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HnswIndex } from '../../src/index/hnsw-index.js';
import { annEngine } from '../../src/index/registry.js';
import { DEAD_LIMIT } from '../../src/index/usearch-graphs.js';
import { UsearchIndex } from '../../src/index/usearch-index.js';
import { roundHalf, VectorStore } from '../../src/index/vector-store.js';
import { tempDir } from '../helpers/tmp.js';

function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
}

function randomUnit(dims: number, r: () => number): Float32Array {
  const v = new Float32Array(dims);
  let s = 0;
  for (let i = 0; i < dims; i++) s += (v[i] = r()) ** 2;
  for (let i = 0; i < dims; i++) v[i] = v[i]! / Math.sqrt(s);
  return v;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

test('vector store: half floats round to nearest, rows round-trip through bytes', () => {
  assert.equal(roundHalf(1), 1);
  assert.equal(roundHalf(0.1), 0.0999755859375);
  assert.equal(roundHalf(65504), 65504);
  assert.equal(roundHalf(1e6), Number.POSITIVE_INFINITY);
  assert.equal(roundHalf(-(2 ** -24)), -(2 ** -24), 'smallest subnormal');
  assert.equal(roundHalf(2 ** -26), 0);
  const store = new VectorStore(3, 'f16');
  store.write(0, Float32Array.from([0.5, -0.25, 0.1, 1, 2, 3]));
  assert.deepEqual(Array.from(store.read(1)), [1, 2, 3]);
  const back = VectorStore.fromBytes(new Uint8Array(store.bytes()), 3, 'f16', 2)!;
  assert.deepEqual(Array.from(back.read(0)), [0.5, -0.25, roundHalf(0.1)]);
  assert.equal(VectorStore.fromBytes(new Uint8Array(10), 3, 'f16', 2), undefined, 'wrong length is refused');
});

test('usearch index: bulk and single adds, search matches exact search, excludes, scores are cosines', () => {
  const r = rng(1);
  const index = new UsearchIndex(32);
  const ids = Array.from({ length: 2000 }, (_, i) => `item-${i}`);
  const flat = new Float32Array(2000 * 32);
  ids.forEach((_, i) => flat.set(randomUnit(32, r), i * 32));
  index.upsertMany(ids.slice(0, 1500), flat.subarray(0, 1500 * 32));
  for (let i = 1500; i < 2000; i++) index.upsert(ids[i]!, flat.subarray(i * 32, (i + 1) * 32));
  assert.equal(index.size, 2000);
  const row = (i: number) => flat.subarray(i * 32, (i + 1) * 32);
  let hits = 0;
  for (let q = 0; q < 50; q++) {
    const i = q * 37;
    const res = index.search(index.vector(ids[i]!)!, 10, new Set([ids[i]!]));
    assert.equal(res.length, 10);
    assert.ok(!res.some((n) => n.id === ids[i]), 'query item excluded');
    const exact = ids
      .map((id, j) => [id, j === i ? -2 : dot(row(j), row(i))] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([id]) => id);
    hits += res.filter((n) => exact.includes(n.id)).length;
    const cos = dot(row(Number(res[0]!.id.slice(5))), row(i));
    assert.ok(Math.abs(res[0]!.score - cos) < 5e-3, 'score is the cosine similarity (f16 precision)');
  }
  assert.ok(hits / 500 >= 0.95, `recall@10 ${hits / 500}`);
  assert.throws(() => index.upsertMany(['a'], new Float32Array(3)), /32 values/);
  assert.throws(() => index.search(new Float32Array(3), 5), /3 dims/);
  assert.deepEqual(new UsearchIndex(4).search([1, 0, 0, 0], 5), [], 'empty index answers nothing');
});

test('usearch index: remove, re-add, update, repeated ids in one batch, save and load, other formats refused', async () => {
  const r = rng(2);
  const dir = tempDir('usearch');
  const index = new UsearchIndex(8);
  for (let i = 0; i < 100; i++) index.upsert(`i${i}`, randomUnit(8, r));
  index.remove('i5');
  assert.equal(index.size, 99);
  assert.equal(index.has('i5'), false);
  assert.ok(!index.search(index.vector('i6')!, 99).some((n) => n.id === 'i5'), 'removed item never returned');
  const fresh = randomUnit(8, r);
  index.upsert('i6', fresh);
  assert.equal(index.size, 99);
  assert.deepEqual(Array.from(index.vector('i6')!), Array.from(fresh, roundHalf));
  assert.equal(index.search(fresh, 1)[0]!.id, 'i6', 'an updated vector is found at its new place');
  index.upsert('i5', fresh);
  const other = randomUnit(8, r);
  index.upsertMany(['dup', 'dup'], Float32Array.from([...fresh, ...other]));
  assert.deepEqual(Array.from(index.vector('dup')!), Array.from(other, roundHalf), 'the last vector of a repeated id wins');
  assert.equal(index.size, 101);
  index.state = { seq: 42 };
  index.save(dir);
  const loaded = (await UsearchIndex.load(dir, 8))!;
  assert.ok(loaded, 'loads');
  assert.equal(loaded.size, 101);
  assert.deepEqual(loaded.state, { seq: 42 });
  assert.deepEqual(
    loaded.search(fresh, 5).map((n) => n.id),
    index.search(fresh, 5).map((n) => n.id),
  );
  assert.deepEqual(loaded.vector('i7'), index.vector('i7'));
  assert.equal(await UsearchIndex.load(dir, 16), undefined, 'dims mismatch is refused, caller rebuilds');
  assert.equal(HnswIndex.load(dir, 8), undefined, 'hnswlib does not read a usearch index');
  // An index saved by hnswlib-node (the engine before usearch) is not read: the registry rebuilds it.
  const old = tempDir('hnsw-old');
  const h = new HnswIndex(8);
  h.upsert('a', fresh);
  h.save(old);
  assert.equal(await UsearchIndex.load(old, 8), undefined);
  index.save(old);
  assert.ok(!fs.existsSync(path.join(old, 'hnsw.bin')), 'the replaced hnswlib file is removed');
  fs.writeFileSync(path.join(dir, 'vectors.bin'), 'short');
  assert.equal(await UsearchIndex.load(dir, 8), undefined, 'a damaged vector file means a rebuild');
});

test('usearch index: precomputed more-like-this lists equal a fresh search after adds, updates and removes', async () => {
  const r = rng(3);
  const dir = tempDir('usearch-related');
  const index = new UsearchIndex(16, { connectivity: 16, expansionAdd: 128, expansionSearch: 64, quantization: 'f32', related: 12 });
  const ids = Array.from({ length: 600 }, (_, i) => `i${i}`);
  const flat = new Float32Array(600 * 16);
  ids.forEach((_, i) => flat.set(randomUnit(16, r), i * 16));
  index.upsertMany(ids, flat);
  assert.equal(index.related('i1', 10), undefined, 'stale until refreshed');
  assert.equal(index.refreshRelated(100), 100, 'a slice at a time');
  assert.equal(index.refreshRelated(), 500);
  const agree = (probe: string[]) => {
    let same = 0;
    for (const id of probe) {
      const fresh = index.search(index.vector(id)!, 10, new Set([id])).map((n) => n.id);
      const listed = index.related(id, 10)!.map((n) => n.id);
      same += listed.filter((x) => fresh.includes(x)).length;
    }
    return same / (probe.length * 10);
  };
  const probe = Array.from({ length: 60 }, (_, i) => `i${i * 9}`);
  assert.ok(agree(probe) >= 0.99);
  for (let i = 600; i < 700; i++) index.upsert(`i${i}`, randomUnit(16, r));
  index.remove('i9');
  index.upsert('i18', randomUnit(16, r));
  assert.ok(index.refreshRelated() < 300, 'only new, moved and affected lists are recomputed');
  assert.ok(!index.related('i0', 12)!.some((n) => n.id === 'i9'), 'removed item left every list');
  assert.ok(agree(probe.filter((id) => id !== 'i9')) >= 0.97);
  index.save(dir);
  const loaded = (await UsearchIndex.load(dir, 16))!;
  assert.equal(loaded.staleRelated, 0, 'lists travel with the saved index');
  assert.deepEqual(loaded.related('i27', 5), index.related('i27', 5));
  assert.equal(index.related('i27', 13), undefined, 'k above the list width falls back to search');
});

test('usearch index: a loaded index serves from the mapped file; adds, replacements and removals land beside it and survive save and load', async () => {
  const r = rng(4);
  const dir = tempDir('usearch-viewed');
  const params = { connectivity: 16, expansionAdd: 128, expansionSearch: 64, quantization: 'f32', related: 8 } as const;
  const built = new UsearchIndex(16, params);
  const live = new Map<string, Float32Array>();
  const put = (index: UsearchIndex, id: string) => {
    const v = randomUnit(16, r);
    live.set(id, v);
    index.upsert(id, v);
  };
  const drop = (index: UsearchIndex, id: string) => {
    live.delete(id);
    index.remove(id);
  };
  for (let i = 0; i < 400; i++) put(built, `i${i}`);
  built.refreshRelated();
  built.save(dir);
  const baseBytes = fs.readFileSync(path.join(dir, 'usearch.bin'));
  const exactTop = (q: Float32Array, k: number) =>
    [...live]
      .map(([id, v]) => [id, dot(v, q)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id]) => id);
  const check = (index: UsearchIndex, what: string) => {
    assert.equal(index.size, live.size, `${what}: size`);
    let hits = 0;
    const probes = [...live.keys()].filter((_, i) => i % 7 === 0);
    for (const id of probes) {
      const got = index.search(live.get(id)!, 10).map((n) => n.id);
      assert.equal(got[0], id, `${what}: ${id} finds itself first`);
      assert.ok(
        got.every((x) => live.has(x)),
        `${what}: only live items`,
      );
      hits += got.filter((x) => exactTop(live.get(id)!, 10).includes(x)).length;
      assert.ok(index.related(id, 8) === undefined || index.related(id, 8)!.every((n) => live.has(n.id)), `${what}: lists hold live items`);
    }
    assert.ok(hits / (probes.length * 10) >= 0.95, `${what}: recall@10 ${hits / (probes.length * 10)}`);
  };
  const viewed = (await UsearchIndex.load(dir, 16))!;
  for (let i = 400; i < 440; i++) put(viewed, `i${i}`);
  for (let i = 0; i < 10; i++) put(viewed, `i${i}`); // replaced: the item moves to a new slot
  for (let i = 10; i < 15; i++) drop(viewed, `i${i}`);
  for (const id of ['i400', 'i401']) drop(viewed, id);
  viewed.refreshRelated();
  check(viewed, 'after changes');
  assert.deepEqual(Array.from(viewed.vector('i3')!), Array.from(live.get('i3')!), 'a replaced item reads its new vector');
  viewed.save(dir);
  assert.ok(fs.readFileSync(path.join(dir, 'usearch.bin')).equals(baseBytes), 'the mapped base file is not rewritten');
  assert.ok(fs.existsSync(path.join(dir, 'usearch-delta.bin')), 'the changes are saved beside it');
  const again = (await UsearchIndex.load(dir, 16))!;
  assert.equal(again.staleRelated, 0);
  check(again, 'reloaded');
  const elsewhere = tempDir('usearch-viewed-copy');
  again.save(elsewhere);
  check((await UsearchIndex.load(elsewhere, 16))!, 'saved to another directory');
  // Past DEAD_LIMIT retired base slots the base is read into memory once and they are dropped.
  for (let i = 15; i < 15 + DEAD_LIMIT + 5; i++) drop(again, `i${i}`);
  put(again, 'i399');
  again.refreshRelated();
  check(again, 'after the base was loaded');
  again.save(dir);
  assert.ok(!fs.readFileSync(path.join(dir, 'usearch.bin')).equals(baseBytes), 'a base held in memory is saved whole');
  check((await UsearchIndex.load(dir, 16))!, 'reloaded after the base was loaded');
  // Another process saving a whole new base over this one makes the saved pair a rebuild, not a mix.
  fs.copyFileSync(path.join(elsewhere, 'usearch.bin'), path.join(dir, 'usearch.bin'));
  assert.equal(await UsearchIndex.load(dir, 16), undefined);
});

test('ANN engine: usearch by default, hnswlib on request, anything else refused', () => {
  assert.equal(annEngine(undefined), 'usearch');
  assert.equal(annEngine('hnswlib'), 'hnswlib');
  assert.throws(() => annEngine('faiss'), /LOUPE_ANN/);
});
