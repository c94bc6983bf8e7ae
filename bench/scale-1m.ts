/**
 * Making a version servable at scale (issue #20): every stage through the product's own code
 * (write vectors to the embedded database, build the ANN, compute the neighbour lists, persist,
 * restart = load from disk), each beside the raw library floor measured in the same run.
 *   npm run bench -- scale-1m [--n 1000000] [--dims 256] [--queries 1000]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { dataPaths } from '../src/config.js';
import { DEFAULT_HNSW, HnswIndex } from '../src/index/hnsw-index.js';
import { IndexRegistry } from '../src/index/registry.js';
import { similarFromIndex } from '../src/services/discovery.js';
import { openDb } from '../src/store/db.js';
import { encodeVectorCopy } from '../src/store/vector-copy.js';
import { getVersion, vectorsSince } from '../src/store/vectors.js';
import { machine, report, summarize, tempDir } from './common.js';
import { clusteredVectors, exactTopK, loadSynthetic } from './synthetic.js';

const { values } = parseArgs({ options: { n: { type: 'string' }, dims: { type: 'string' }, queries: { type: 'string' } } });
const N = Number(values.n ?? 1_000_000);
const D = Number(values.dims ?? 256);
const Q = Number(values.queries ?? 1000);
const K = 10;
const VERSION = 'synthetic';
console.log(`${N} items x ${D}-d, ${Q} queries, ${machine()}`);
const secs = (t: number) => (performance.now() - t) / 1000;
const mib = () => process.memoryUsage().rss / 2 ** 20;

const vectors = clusteredVectors(N, D, Math.max(10, Math.round(N / 100)));
const root = tempDir('scale');
const stages: { stage: string; product: number; floor: number | null; floorWhat: string }[] = [];

// Floor of the write: a bare binary COPY of the same rows into an unindexed table of a fresh database.
const bare = await openDb({ dir: path.join(root, 'bare') });
await bare.query('CREATE TABLE bare (a text, b text, vec vector)');
let t = performance.now();
for (let i = 0; i < N; i += 10_000) {
  const rows = vectors.slice(i, i + 10_000).map((vec, j) => ({ a: `syn-${String(i + j).padStart(7, '0')}`, b: '0'.repeat(64), vec }));
  await bare.transaction((tx) => tx.copyFromBlob!("COPY bare (a, b, vec) FROM '/dev/blob' WITH (FORMAT binary)", encodeVectorCopy(rows)));
}
const copyFloor = secs(t);
await bare.close();

const paths = dataPaths(path.join(root, 'data'));
const db = await openDb({ dir: paths.db });
t = performance.now();
const ids = await loadSynthetic(db, VERSION, vectors);
stages.push({ stage: 'write vectors (items + embeddings, product SQL)', product: secs(t), floor: copyFloor, floorWhat: 'bare binary COPY into an unindexed table' });
console.log(`write ${stages.at(-1)!.product.toFixed(1)} s, floor ${copyFloor.toFixed(1)} s`);

// The product's index build, stage by stage (what IndexRegistry.sync does for a new version).
const row = (await getVersion(db, VERSION))!;
const index = new HnswIndex(row.dims);
let readS = 0;
let buildS = 0;
for (;;) {
  t = performance.now();
  const rows = await vectorsSince(db, VERSION, index.state.seq ?? 0, 5000);
  readS += secs(t);
  t = performance.now();
  for (const r of rows) {
    index.upsert(r.itemId, r.vec);
    index.state.seq = r.seq;
  }
  buildS += secs(t);
  if (rows.length < 5000) break;
}
t = performance.now();
while (index.staleRelated) index.refreshRelated(256);
const relatedS = secs(t);
t = performance.now();
index.save(path.join(paths.index, encodeURIComponent(VERSION)));
const saveS = secs(t);
console.log(`read ${readS.toFixed(1)} s, build ${buildS.toFixed(1)} s, lists ${relatedS.toFixed(1)} s, save ${saveS.toFixed(1)} s, rss ${mib().toFixed(0)} MiB`);

// Floors: bare hnswlib build and a bare batch search of width + 1 for every item, same parameters.
t = performance.now();
const raw = new hnswlib.HierarchicalNSW('cosine', D);
raw.initIndex({ maxElements: N, m: DEFAULT_HNSW.m, efConstruction: DEFAULT_HNSW.efConstruction, randomSeed: 100 });
raw.setEf(DEFAULT_HNSW.efSearch);
vectors.forEach((v, i) => raw.addPoint(Array.from(v), i));
const rawBuild = secs(t);
t = performance.now();
for (let i = 0; i < N; i++) raw.searchKnn(Array.from(vectors[i]!), DEFAULT_HNSW.related + 1);
const rawSearch = secs(t);
t = performance.now();
raw.writeIndexSync(path.join(root, 'raw.bin'));
const rawSave = secs(t);
stages.push({ stage: 'read vectors back from the database', product: readS, floor: null, floorWhat: '(no floor: the raw build starts from arrays in memory)' });
stages.push({ stage: 'build the ANN (HnswIndex.upsert)', product: buildS, floor: rawBuild, floorWhat: 'bare hnswlib-node addPoint, 1 thread' });
stages.push({ stage: 'neighbour lists (refreshRelated)', product: relatedS, floor: rawSearch, floorWhat: `bare searchKnn(k=${DEFAULT_HNSW.related + 1}) per item` });
stages.push({ stage: 'persist (HnswIndex.save)', product: saveS, floor: rawSave, floorWhat: 'bare writeIndexSync' });

// Restart: a fresh registry loads the saved index and lists from disk and checks the database tail.
t = performance.now();
const registry = new IndexRegistry(db, paths.index);
const sync = await registry.sync(VERSION);
const restartS = secs(t);
t = performance.now();
const reread = new hnswlib.HierarchicalNSW('cosine', D);
reread.readIndexSync(path.join(root, 'raw.bin'));
const rawLoad = secs(t);
stages.push({ stage: `restart: load from disk (rebuilt: ${sync.rebuilt})`, product: restartS, floor: rawLoad, floorWhat: 'bare readIndexSync' });

let s = 7;
const queries = Array.from({ length: Q }, () => (s = (s * 1103515245 + 12345) >>> 0) % N);
const ours: number[] = [];
const theirs: number[] = [];
for (let rep = 0; rep < 2; rep++) {
  for (const q of queries) {
    let t0 = performance.now();
    const res = similarFromIndex(registry, VERSION, ids[q]!, K)!;
    if (rep) ours.push(performance.now() - t0);
    t0 = performance.now();
    const r = raw.searchKnn(Array.from(vectors[q]!), K + 1);
    if (rep) theirs.push(performance.now() - t0);
    if (res.items.length !== K || r.neighbors.length !== K + 1) throw new Error('short result');
  }
}
let hits = 0;
const recallQueries = queries.slice(0, 100);
for (const q of recallQueries) {
  const exact = new Set(exactTopK(vectors, q, K).map((i) => ids[i]!));
  hits += similarFromIndex(registry, VERSION, ids[q]!, K)!.items.filter((n) => exact.has(n.id)).length;
}
const recall = hits / (recallQueries.length * K);
const a = summarize(ours);
const b = summarize(theirs);
const peakRss = process.resourceUsage().maxRSS / 1024;

const total = stages.reduce((x, st) => x + (st.stage.startsWith('restart') ? 0 : st.product), 0);
const totalFloor = stages.reduce((x, st) => x + (st.stage.startsWith('restart') ? 0 : (st.floor ?? 0)), 0);
console.log('\n| stage | product s | floor s | product/floor | floor is |');
for (const st of stages)
  console.log(`| ${st.stage} | ${st.product.toFixed(1)} | ${st.floor === null ? '-' : st.floor.toFixed(1)} | ${st.floor ? (st.product / st.floor).toFixed(2) + 'x' : '-'} | ${st.floorWhat} |`);
console.log(`| servable (write + read + build + lists + persist) | ${total.toFixed(1)} | ${totalFloor.toFixed(1)} | ${(total / totalFloor).toFixed(2)}x | sum of floors |`);
console.log(
  `\nmore-like-this in-process: p50 ${a.p50.toFixed(3)} ms p99 ${a.p99.toFixed(3)} ms (raw searchKnn p50 ${b.p50.toFixed(3)} p99 ${b.p99.toFixed(3)}), recall@10 ${recall.toFixed(3)} vs exact on ${recallQueries.length} queries`,
);
console.log(`peak RSS ${peakRss.toFixed(0)} MiB (bench process: vectors + product index + raw index), RSS now ${mib().toFixed(0)} MiB`);
console.log(
  `goals: servable < 900 s: ${total.toFixed(0)} s; within 2x of floor: ${(total / totalFloor).toFixed(2)}x; restart < 20 s: ${restartS.toFixed(1)} s; recall@10 >= 0.95: ${recall.toFixed(3)}`,
);
report('scale-1m', {
  items: N,
  dims: D,
  queries: Q,
  stages,
  servable_s: total,
  floor_s: totalFloor,
  ratio: total / totalFloor,
  restart_s: restartS,
  similar: a,
  raw_search: b,
  recall_at_10: recall,
  peak_rss_mib: peakRss,
});
await db.close();
