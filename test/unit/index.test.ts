import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HnswIndex } from '../../src/index/hnsw-index.js';
import { NeighbourLists } from '../../src/index/neighbour-lists.js';
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

function exactTopK(vectors: Map<string, Float32Array>, q: Float32Array, k: number, exclude: string): string[] {
  return [...vectors]
    .filter(([id]) => id !== exclude)
    .map(([id, v]) => [id, v.reduce((s, x, i) => s + x * q[i]!, 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([id]) => id);
}

test('hnsw index: search matches exact search, excludes self, scores are cosines', () => {
  const r = rng(1);
  const index = new HnswIndex(32);
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < 2000; i++) {
    const v = randomUnit(32, r);
    vectors.set(`item-${i}`, v);
    index.upsert(`item-${i}`, v);
  }
  assert.equal(index.size, 2000);
  let hits = 0;
  for (let q = 0; q < 50; q++) {
    const id = `item-${q * 37}`;
    const res = index.search(index.vector(id)!, 10, new Set([id]));
    assert.equal(res.length, 10);
    assert.ok(!res.some((n) => n.id === id), 'query item excluded');
    const exact = exactTopK(vectors, vectors.get(id)!, 10, id);
    hits += res.filter((n) => exact.includes(n.id)).length;
    const top = vectors.get(res[0]!.id)!;
    const cos = top.reduce((s, x, i) => s + x * vectors.get(id)![i]!, 0);
    assert.ok(Math.abs(res[0]!.score - cos) < 1e-4, 'score is the cosine similarity');
  }
  assert.ok(hits / 500 >= 0.95, `recall@10 ${hits / 500}`);
});

test('hnsw index: remove, re-add, update in place, save and load', () => {
  const r = rng(2);
  const dir = tempDir('hnsw');
  const index = new HnswIndex(8);
  for (let i = 0; i < 100; i++) index.upsert(`i${i}`, randomUnit(8, r));
  index.remove('i5');
  assert.equal(index.size, 99);
  assert.equal(index.has('i5'), false);
  const q = index.vector('i6')!;
  assert.ok(!index.search(q, 99).some((n) => n.id === 'i5'), 'removed item never returned');
  const fresh = randomUnit(8, r);
  index.upsert('i6', fresh);
  assert.deepEqual(
    Array.from(index.vector('i6')!).map((x) => x.toFixed(5)),
    Array.from(fresh).map((x) => x.toFixed(5)),
  );
  index.upsert('i5', fresh);
  assert.equal(index.size, 100);
  index.state = { seq: 42 };
  index.save(dir);
  const loaded = HnswIndex.load(dir, 8)!;
  assert.ok(loaded, 'loads');
  assert.equal(loaded.size, 100);
  assert.deepEqual(loaded.state, { seq: 42 });
  assert.deepEqual(
    loaded.search(fresh, 5).map((n) => n.id),
    index.search(fresh, 5).map((n) => n.id),
  );
  assert.equal(HnswIndex.load(dir, 16), undefined, 'dims mismatch is refused, caller rebuilds');
  assert.throws(() => index.upsert('bad', new Float32Array(3)), /3 dims/);
});

test('neighbour lists: offer keeps best-first order, width and uniqueness; serialise round-trips', () => {
  const lists = new NeighbourLists(3);
  assert.equal(lists.get(0, 2), undefined, 'no list yet');
  lists.set(0, [
    { slot: 4, score: 0.9 },
    { slot: 7, score: 0.5 },
  ]);
  lists.offer(0, 9, 0.7);
  assert.deepEqual([...lists.get(0, 3)!.slots], [4, 9, 7]);
  lists.offer(0, 2, 0.95); // full: worst (7) falls off
  assert.deepEqual([...lists.get(0, 3)!.slots], [2, 4, 9]);
  lists.offer(0, 5, 0.1); // worse than the worst: ignored
  lists.offer(0, 4, 0.99); // already listed: ignored
  assert.deepEqual([...lists.get(0, 3)!.slots], [2, 4, 9]);
  assert.equal(lists.get(0, 4), undefined, 'wider than the list: caller searches');
  lists.offer(1, 0, 0.5); // slot 1 has no list: left alone
  assert.equal(lists.has(1), false);
  const back = NeighbourLists.deserialize(lists.serialize(2))!;
  assert.deepEqual(
    [...back.get(0, 3)!.scores].map((s) => Math.round(s * 100)),
    [95, 90, 70],
  );
  assert.deepEqual(back.invalidateMentioning(new Set([9])), [0]);
  assert.equal(back.has(0), false);
});

test('hnsw index: precomputed more-like-this lists equal a fresh search after adds, updates and removes', () => {
  const r = rng(3);
  const dir = tempDir('hnsw-related');
  const index = new HnswIndex(16, { m: 16, efConstruction: 200, efSearch: 128, related: 12 });
  for (let i = 0; i < 600; i++) index.upsert(`i${i}`, randomUnit(16, r));
  assert.equal(index.related('i1', 10), undefined, 'stale until refreshed');
  assert.equal(index.refreshRelated(), 600);
  const agree = (ids: string[]) => {
    let same = 0;
    for (const id of ids) {
      const fresh = index.search(index.vector(id)!, 10, new Set([id])).map((n) => n.id);
      const listed = index.related(id, 10)!.map((n) => n.id);
      same += listed.filter((x) => fresh.includes(x)).length;
    }
    return same / (ids.length * 10);
  };
  const probe = Array.from({ length: 60 }, (_, i) => `i${i * 9}`);
  assert.equal(agree(probe), 1);
  // New items reach existing lists by being offered to their neighbours, without recomputing them.
  for (let i = 600; i < 700; i++) index.upsert(`i${i}`, randomUnit(16, r));
  index.remove('i9');
  index.upsert('i18', randomUnit(16, r));
  assert.ok(index.refreshRelated() < 300, 'only new, moved and affected lists are recomputed');
  assert.ok(!index.related('i0', 12)!.some((n) => n.id === 'i9'), 'removed item left every list');
  assert.ok(agree(probe.filter((id) => id !== 'i9')) >= 0.97);
  index.save(dir);
  const loaded = HnswIndex.load(dir, 16)!;
  assert.equal(loaded.staleRelated, 0, 'lists travel with the saved index');
  assert.deepEqual(loaded.related('i27', 5), index.related('i27', 5));
  assert.equal(index.related('i27', 13), undefined, 'k above the list width falls back to search');
});
