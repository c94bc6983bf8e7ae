/**
 * Making a version servable at scale (issue #20): every stage through the product's own code
 * (write vectors to the embedded database, read them back, build the ANN, compute the neighbour
 * lists, persist, restart = load from disk), each beside the raw usearch library floor (same
 * parameters, same threads) measured in the same run; then `loupe serve` on the same data dir in a
 * fresh process: time to listening, its RSS, more-like-this p50/p99 over HTTP keep-alive.
 *   npm run bench -- scale-1m [--n 1000000] [--dims 256] [--queries 1000] [--batch 10000] [--hnswlib] [--path registry|slices]
 * --path registry (default) times `IndexRegistry.sync` of the new version as the product runs it (built
 * in a worker thread); --path slices times the in-process path stage by stage (read, build, lists, save).
 * Both print the serving thread's longest stall during the build.
 * --hnswlib adds the hnswlib-node floors (the engine before usearch, one thread); on by default up to 200k.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { Index as RawUsearch, MetricKind, ScalarKind, type BatchMatches } from 'usearch';
import { similarFromIndex } from '../src/app/similar.js';
import { dataPaths } from '../src/config.js';
import { DEFAULT_HNSW } from '../src/index/hnsw-index.js';
import { ADD_SLICE, IndexRegistry, PAGE, RELATED_SLICE } from '../src/index/registry.js';
import { ANN_THREADS, DEFAULT_USEARCH, UsearchIndex } from '../src/index/usearch-index.js';
import { openDb } from '../src/store/db.js';
import { encodeVectorCopy } from '../src/store/vector-copy.js';
import { analyzeEmbeddings, getVersion, vectorPageSince } from '../src/store/vectors.js';
import { machine, procMiB, report, startServe, summarize, tempDir } from './common.js';
import { clusteredVectors, loadSynthetic } from './synthetic.js';

const { values } = parseArgs({
  options: { n: { type: 'string' }, dims: { type: 'string' }, queries: { type: 'string' }, batch: { type: 'string' }, hnswlib: { type: 'boolean' }, path: { type: 'string' } },
});
const N = Number(values.n ?? 1_000_000);
const D = Number(values.dims ?? 256);
const Q = Number(values.queries ?? 1000);
const BATCH = Number(values.batch ?? 10_000);
const WITH_HNSWLIB = values.hnswlib ?? N <= 200_000;
const PATH = values.path ?? 'registry';
if (PATH !== 'registry' && PATH !== 'slices') throw new Error(`--path must be registry or slices, got ${PATH}`);
const K = 10;
const VERSION = 'synthetic';
const P = DEFAULT_USEARCH;
console.log(
  `${N} items x ${D}-d, ${Q} queries, write batch ${BATCH}, usearch ${P.quantization} M${P.connectivity} add${P.expansionAdd} search${P.expansionSearch}, ${ANN_THREADS} threads, ${machine()}`,
);
const secs = (t: number) => (performance.now() - t) / 1000;
const mib = () => process.memoryUsage().rss / 2 ** 20;
const tick = () => new Promise((resolve) => setImmediate(resolve));

// One flat array (what the raw library takes) and row views of it (what the product's writers take).
const flat = new Float32Array(N * D);
clusteredVectors(N, D, Math.max(10, Math.round(N / 100))).forEach((v, i) => flat.set(v, i * D));
const vectors = Array.from({ length: N }, (_, i) => flat.subarray(i * D, (i + 1) * D));
const root = tempDir('scale');
type Stage = { stage: string; product: number; floor: number | null; floorWhat: string };
const stages: Stage[] = [];

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
fs.rmSync(path.join(root, 'bare'), { recursive: true, force: true });

const dataDir = path.join(root, 'data');
const paths = dataPaths(dataDir);
const db = await openDb({ dir: paths.db });
t = performance.now();
const ids = await loadSynthetic(db, VERSION, vectors, { batch: BATCH });
stages.push({
  stage: `write vectors (items + embeddings, product SQL, ${BATCH}-row transactions)`,
  product: secs(t),
  floor: copyFloor,
  floorWhat: 'bare binary COPY into an unindexed table, 10k rows per COPY',
});
console.log(`write ${stages.at(-1)!.product.toFixed(1)} s, floor ${copyFloor.toFixed(1)} s`);

// The serving thread's longest stall while the version is made servable (what a request waiting
// behind the build would feel): a 5 ms timer and the largest lateness it sees.
function stallMeter(): () => number {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  return () => {
    clearInterval(timer);
    return worst;
  };
}

// The product's build: `IndexRegistry.sync` as `loupe serve` / `loupe index` run it for a new
// version (a worker thread builds it), or with --path slices the in-process path stage by stage
// (what a version under one page, or a process without threads, uses).
const row = (await getVersion(db, VERSION))!;
let product: { read: number; build: number; lists: number; save: number } | { sync: number; inThread: boolean; threadSeconds?: Record<string, number> | undefined };
const stopStall = stallMeter();
if (PATH === 'registry') {
  t = performance.now();
  const r = await new IndexRegistry(db, paths.index).sync(VERSION);
  product = { sync: secs(t), inThread: r.inThread, threadSeconds: r.threadSeconds as Record<string, number> | undefined };
} else {
  const index = new UsearchIndex(row.dims);
  let readS = 0;
  let buildS = 0;
  for (;;) {
    t = performance.now();
    const page = await vectorPageSince(db, VERSION, row.dims, index.state.seq ?? 0, PAGE);
    // As IndexRegistry.sync: statistics refreshed after the first full page of a bulk read.
    if (!index.state.seq && page.ids.length >= PAGE) await analyzeEmbeddings(db);
    readS += secs(t);
    t = performance.now();
    for (let at = 0; at < page.ids.length; at += ADD_SLICE) {
      const end = Math.min(at + ADD_SLICE, page.ids.length);
      index.upsertMany(page.ids.slice(at, end), page.flat.subarray(at * D, end * D));
      index.state.seq = page.seqs[end - 1]!;
      await tick();
    }
    buildS += secs(t);
    if (page.ids.length < PAGE) break;
  }
  t = performance.now();
  while (index.staleRelated) {
    index.refreshRelated(RELATED_SLICE.usearch);
    await tick();
  }
  const relatedS = secs(t);
  t = performance.now();
  index.save(path.join(paths.index, encodeURIComponent(VERSION)));
  product = { read: readS, build: buildS, lists: relatedS, save: secs(t) };
}
const stallMs = stopStall();
console.log(`${JSON.stringify(product)}, longest stall of the serving thread ${stallMs.toFixed(0)} ms, rss ${mib().toFixed(0)} MiB`);

// Floors: the raw usearch library, same parameters and threads, on the same vectors in memory.
const config = {
  dimensions: D,
  metric: MetricKind.Cos,
  quantization: P.quantization === 'f16' ? ScalarKind.F16 : ScalarKind.F32,
  connectivity: P.connectivity,
  expansion_add: P.expansionAdd,
  expansion_search: P.expansionSearch,
  multi: false,
};
t = performance.now();
const raw = new RawUsearch(config);
raw.add(
  BigUint64Array.from({ length: N }, (_, i) => BigInt(i)),
  flat,
  ANN_THREADS,
);
const rawBuild = secs(t);
t = performance.now();
raw.search(flat, P.related + 1, ANN_THREADS) as unknown as BatchMatches;
const rawSearch = secs(t);
t = performance.now();
raw.save(path.join(root, 'raw.usearch'));
const rawSave = secs(t);
const floorWhat = `raw usearch, ${ANN_THREADS} threads`;
console.log(`floors: raw add ${rawBuild.toFixed(1)} s, raw search(k=${P.related + 1}) ${rawSearch.toFixed(1)} s, raw save ${rawSave.toFixed(1)} s`);
if ('sync' in product) {
  stages.push({
    stage: `read, build the ANN, neighbour lists (width ${P.related}), persist: \`IndexRegistry.sync\` of a new version (${product.inThread ? 'built in a worker thread' : 'in-process: the thread did not start'})`,
    product: product.sync,
    floor: rawBuild + rawSearch + rawSave,
    floorWhat: `${floorWhat}: one \`add\` of all items + one batch \`search(k=${P.related + 1})\` + \`save\``,
  });
} else {
  stages.push({
    stage: 'read vectors back from the database (`vector_send`, binary, pages of 20,000)',
    product: product.read,
    floor: null,
    floorWhat: 'none: the raw build starts from arrays in memory',
  });
  stages.push({ stage: 'build the ANN (`UsearchIndex.upsertMany`, slices of 4,096)', product: product.build, floor: rawBuild, floorWhat: `${floorWhat}, one \`add\` of all items` });
  stages.push({
    stage: `neighbour lists (\`refreshRelated\`, width ${P.related}, slices of 2,048)`,
    product: product.lists,
    floor: rawSearch,
    floorWhat: `${floorWhat}, one batch \`search(k=${P.related + 1})\` of all items`,
  });
  stages.push({ stage: 'persist (`UsearchIndex.save`: index, vectors, lists, labels)', product: product.save, floor: rawSave, floorWhat: 'raw usearch `save`' });
}

// Restart in-process: a fresh registry loads the saved index, vectors and lists and checks the database tail.
t = performance.now();
const registry = new IndexRegistry(db, paths.index);
const sync = await registry.sync(VERSION);
const restartS = secs(t);
t = performance.now();
new RawUsearch(config).load(path.join(root, 'raw.usearch'));
const rawLoad = secs(t);
stages.push({ stage: `restart in-process: load from disk, sync check (rebuilt: ${sync.rebuilt})`, product: restartS, floor: rawLoad, floorWhat: 'raw usearch `load`' });

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
    const r = raw.search(vectors[q]!, K + 1, 1);
    if (rep) theirs.push(performance.now() - t0);
    if (res.items.length !== K || r.keys.length !== K + 1) throw new Error('short result');
  }
}

/** Exact top-k by cosine over every item (the vectors are unit length), skipping the query itself. */
function exactTopK(q: number, k: number): number[] {
  const qv = vectors[q]!;
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < N; i++) {
    if (i === q) continue;
    let dot = 0;
    const at = i * D;
    for (let d = 0; d < D; d++) dot += flat[at + d]! * qv[d]!;
    if (best.length === k && dot <= best[k - 1]!.s) continue;
    best.push({ i, s: dot });
    best.sort((a, b) => b.s - a.s);
    if (best.length > k) best.pop();
  }
  return best.map((b) => b.i);
}
let listHits = 0;
let searchHits = 0;
const recallQueries = queries.slice(0, 100);
const served = registry.loaded(VERSION)!;
for (const q of recallQueries) {
  const exact = new Set(exactTopK(q, K).map((i) => ids[i]!));
  listHits += similarFromIndex(registry, VERSION, ids[q]!, K)!.items.filter((n) => exact.has(n.id)).length;
  searchHits += served
    .search(vectors[q]!, K, new Set([ids[q]!]))
    .slice(0, K)
    .filter((n) => exact.has(n.id)).length;
}
const recall = listHits / (recallQueries.length * K);
const searchRecall = searchHits / (recallQueries.length * K);
const a = summarize(ours);
const b = summarize(theirs);

// The engine before (hnswlib-node, one thread): floors only, on the same vectors.
let hnsw: { build: number; search: number } | null = null;
if (WITH_HNSWLIB) {
  t = performance.now();
  const h = new hnswlib.HierarchicalNSW('cosine', D);
  h.initIndex({ maxElements: N, m: DEFAULT_HNSW.m, efConstruction: DEFAULT_HNSW.efConstruction, randomSeed: 100 });
  h.setEf(DEFAULT_HNSW.efSearch);
  vectors.forEach((v, i) => h.addPoint(Array.from(v), i));
  const build = secs(t);
  t = performance.now();
  for (let i = 0; i < N; i++) h.searchKnn(Array.from(vectors[i]!), DEFAULT_HNSW.related + 1);
  hnsw = { build, search: secs(t) };
}
const peakRss = process.resourceUsage().maxRSS / 1024;
await db.close();

// Serving: `loupe serve` on the same data dir in a fresh process (loads every index before listening).
t = performance.now();
const { child, url } = await startServe(dataDir);
const serveStartS = secs(t);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (p: string) =>
  new Promise<number>((resolve, reject) => {
    http
      .get(`${url}${p}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
const overHttp: number[] = [];
for (let rep = 0; rep < 2; rep++) {
  for (const q of queries) {
    const t0 = performance.now();
    const code = await get(`/api/items/${ids[q]}/similar?k=${K}&version=${VERSION}`);
    if (rep) overHttp.push(performance.now() - t0);
    if (code !== 200) throw new Error(`similar answered ${code}`);
  }
}
const serveRss = procMiB(child.pid!, 'VmRSS');
const serveHwm = procMiB(child.pid!, 'VmHWM');
const h = summarize(overHttp);
agent.destroy();
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));

const servable = stages.filter((st) => !st.stage.startsWith('restart'));
const total = servable.reduce((x, st) => x + st.product, 0);
const totalFloor = servable.reduce((x, st) => x + (st.floor ?? 0), 0);
console.log('\n| stage | product s | floor s | product/floor | floor is |\n| --- | --- | --- | --- | --- |');
for (const st of stages)
  console.log(`| ${st.stage} | ${st.product.toFixed(1)} | ${st.floor === null ? '–' : st.floor.toFixed(1)} | ${st.floor ? (st.product / st.floor).toFixed(2) + 'x' : '–'} | ${st.floorWhat} |`);
console.log(`| **servable** (write + read + build + lists + persist) | **${total.toFixed(1)}** | **${totalFloor.toFixed(1)}** | **${(total / totalFloor).toFixed(2)}x** | sum of floors |`);
console.log(`| restart to serving: \`loupe serve\` in a fresh process, spawn to listening | ${serveStartS.toFixed(1)} | – | – | – |`);
if (hnsw) console.log(`\nhnswlib-node floors (1 thread, M16 efC200 ef128): build ${hnsw.build.toFixed(1)} s, searchKnn(k=33) per item ${hnsw.search.toFixed(1)} s`);
console.log(
  `\nmore-like-this in-process (similarFromIndex): p50 ${a.p50.toFixed(3)} ms p99 ${a.p99.toFixed(3)} ms (raw usearch search p50 ${b.p50.toFixed(3)} p99 ${b.p99.toFixed(3)}); ` +
    `over HTTP keep-alive (GET /api/items/:id/similar, one connection): p50 ${h.p50.toFixed(3)} ms p99 ${h.p99.toFixed(3)} ms`,
);
console.log(`longest stall of the serving thread while the version was made servable: ${stallMs.toFixed(0)} ms (--path ${PATH})`);
console.log(`recall@10 vs exact on ${recallQueries.length} queries: precomputed lists ${recall.toFixed(4)}, live search ${searchRecall.toFixed(4)}`);
console.log(`serving RSS (loupe serve after ${2 * Q} requests) ${serveRss.toFixed(0)} MiB, its peak ${serveHwm.toFixed(0)} MiB; bench process peak ${peakRss.toFixed(0)} MiB`);
console.log(
  `goals: servable < 900 s: ${total.toFixed(0)} s; within 2x of floor: ${(total / totalFloor).toFixed(2)}x; restart < 20 s: ${serveStartS.toFixed(1)} s; ` +
    `serving RSS < 2,560 MiB: ${serveRss.toFixed(0)}; p99 < 5 ms: ${h.p99.toFixed(2)}; recall@10 >= 0.95: ${recall.toFixed(3)}`,
);
report('scale-1m', {
  items: N,
  dims: D,
  queries: Q,
  threads: ANN_THREADS,
  params: P,
  path: PATH,
  stages,
  serving_thread_longest_stall_ms: stallMs,
  servable_s: total,
  floor_s: totalFloor,
  floor_parts: { add: rawBuild, search: rawSearch, save: rawSave },
  thread_seconds: 'sync' in product ? (product.threadSeconds ?? null) : null,
  ratio: total / totalFloor,
  restart_in_process_s: restartS,
  serve_start_s: serveStartS,
  serve_rss_mib: serveRss,
  serve_peak_rss_mib: serveHwm,
  similar: a,
  raw_search: b,
  similar_http: h,
  recall_at_10: recall,
  search_recall_at_10: searchRecall,
  hnswlib: hnsw,
  peak_rss_mib: peakRss,
});
