import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { tempDir } from './helpers/tmp.js';

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
  assert.deepEqual(Array.from(index.vector('i6')!).map((x) => x.toFixed(5)), Array.from(fresh).map((x) => x.toFixed(5)));
  index.upsert('i5', fresh);
  assert.equal(index.size, 100);
  index.state = { seq: 42 };
  index.save(dir);
  const loaded = HnswIndex.load(dir, 8)!;
  assert.ok(loaded, 'loads');
  assert.equal(loaded.size, 100);
  assert.deepEqual(loaded.state, { seq: 42 });
  assert.deepEqual(loaded.search(fresh, 5).map((n) => n.id), index.search(fresh, 5).map((n) => n.id));
  assert.equal(HnswIndex.load(dir, 16), undefined, 'dims mismatch is refused, caller rebuilds');
  assert.throws(() => index.upsert('bad', new Float32Array(3)), /3 dims/);
});
