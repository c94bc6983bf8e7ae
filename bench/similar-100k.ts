/**
 * more-like-this at 100k items: Loupe's serving path (the library call under
 * GET /api/items/:id/similar) vs raw hnswlib-node on the same vectors, with recall@10 vs exact search.
 *   node --import tsx bench/similar-100k.ts [--items 100000] [--dims 256] [--queries 2000]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { dataPaths } from '../src/config.js';
import { DEFAULT_HNSW } from '../src/index/hnsw-index.js';
import { IndexRegistry } from '../src/index/registry.js';
import { similarFromIndex } from '../src/app/similar.js';
import { openDb } from '../src/store/db.js';
import { machine, report, summarize, tempDir } from './common.js';
import { clusteredVectors, exactTopK, loadSynthetic } from './synthetic.js';

const { values } = parseArgs({ options: { items: { type: 'string' }, dims: { type: 'string' }, queries: { type: 'string' } } });
const N = Number(values.items ?? 100_000);
const D = Number(values.dims ?? 256);
const Q = Number(values.queries ?? 2000);
const K = 10;
console.log(`${N} items x ${D}-d, ${Q} queries, ${machine()}`);

const vectors = clusteredVectors(N, D, Math.max(10, Math.round(N / 100)));
const paths = dataPaths(path.join(tempDir('similar'), 'data'));
const db = await openDb({ dir: paths.db });
let t = performance.now();
const ids = await loadSynthetic(db, 'synthetic', vectors);
const loadSecs = (performance.now() - t) / 1000;

t = performance.now();
const registry = new IndexRegistry(db, paths.index);
await registry.sync('synthetic');
const buildSecs = (performance.now() - t) / 1000;

t = performance.now();
const raw = new hnswlib.HierarchicalNSW('cosine', D);
raw.initIndex({ maxElements: N, m: DEFAULT_HNSW.m, efConstruction: DEFAULT_HNSW.efConstruction, randomSeed: 100 });
raw.setEf(DEFAULT_HNSW.efSearch);
vectors.forEach((v, i) => raw.addPoint(Array.from(v), i));
const rawBuildSecs = (performance.now() - t) / 1000;
console.log(`db load ${loadSecs.toFixed(1)} s, loupe index build from db ${buildSecs.toFixed(1)} s, raw hnswlib build ${rawBuildSecs.toFixed(1)} s`);

let s = 7;
const queries = Array.from({ length: Q }, () => (s = (s * 1103515245 + 12345) >>> 0) % N);
const ours: number[] = [];
const live: number[] = [];
const theirs: number[] = [];
const served = registry.loaded('synthetic')!;
for (let rep = 0; rep < 2; rep++) {
  for (const q of queries) {
    // Interleaved so both see the same machine state.
    let t0 = performance.now();
    const res = similarFromIndex(registry, 'synthetic', ids[q]!, K)!;
    if (rep) ours.push(performance.now() - t0);
    // The same request answered by a live search (what the route does when no list covers k).
    t0 = performance.now();
    const liveRes = served.search(served.vector(ids[q]!)!, K, new Set([ids[q]!]));
    if (rep) live.push(performance.now() - t0);
    t0 = performance.now();
    const qv = raw.getPoint(q);
    const r = raw.searchKnn(qv, K + 1);
    const out = r.neighbors.filter((x) => x !== q).slice(0, K);
    if (rep) theirs.push(performance.now() - t0);
    if (res.items.length !== K || out.length !== K || liveRes.length !== K) throw new Error('short result');
  }
}
let hits = 0;
let liveHits = 0;
const recallQueries = queries.slice(0, 200);
for (const q of recallQueries) {
  const exact = new Set(exactTopK(vectors, q, K).map((i) => ids[i]!));
  hits += similarFromIndex(registry, 'synthetic', ids[q]!, K)!.items.filter((n) => exact.has(n.id)).length;
  liveHits += served.search(served.vector(ids[q]!)!, K, new Set([ids[q]!])).filter((n) => exact.has(n.id)).length;
}
const recall = hits / (recallQueries.length * K);
const liveRecall = liveHits / (recallQueries.length * K);
const a = summarize(ours);
const l = summarize(live);
const b = summarize(theirs);
console.log(`loupe similar (precomputed list): p50 ${a.p50.toFixed(3)} ms  p99 ${a.p99.toFixed(3)} ms  recall@10 ${recall.toFixed(3)}`);
console.log(`loupe live search:                p50 ${l.p50.toFixed(3)} ms  p99 ${l.p99.toFixed(3)} ms  recall@10 ${liveRecall.toFixed(3)}`);
console.log(`raw hnswlib:                      p50 ${b.p50.toFixed(3)} ms  p99 ${b.p99.toFixed(3)} ms`);
console.log(`p99 ratio route/raw ${(a.p99 / b.p99).toFixed(2)}x, live/raw ${(l.p99 / b.p99).toFixed(2)}x (goal <= 2x), recall@10 ${recall.toFixed(3)} (goal >= 0.95)`);
report('similar-100k', {
  items: N,
  dims: D,
  queries: Q,
  loupe: a,
  live: l,
  raw: b,
  p99_ratio: a.p99 / b.p99,
  live_p99_ratio: l.p99 / b.p99,
  recall_at_10: recall,
  live_recall_at_10: liveRecall,
  db_load_s: loadSecs,
  index_build_s: buildSecs,
  raw_build_s: rawBuildSecs,
});
await db.close();
