/**
 * Real-time user embeddings at scale: latency of folding one event into a user's interest model
 * (the work POST /api/events does in memory), of appending it to the events table, and of
 * rebuilding a user's model from the table (what a cold user or a restart costs).
 *   node --import tsx bench/taste-update.ts [--items 100000] [--users 10000] [--dims 1792] [--history 200000] [--updates 50000]
 * Synthetic clustered vectors; each user favours 1-3 clusters; activity is skewed (a few heavy users).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ACTION_WEIGHTS, type TasteEvent } from '../src/graph/actions.js';
import { FeedEngine, type VectorSource } from '../src/graph/engine.js';
import { pixieWalk } from '../src/graph/walk.js';
import { seededRandom } from '../src/graph/vec.js';
import { dataPaths } from '../src/config.js';
import { openDb } from '../src/store/db.js';
import { insertEvents, userEvents } from '../src/store/events.js';
import { machine, report, summarize, tempDir } from './common.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10000' },
    dims: { type: 'string', default: '1792' },
    history: { type: 'string', default: '200000' },
    updates: { type: 'string', default: '50000' },
    'db-updates': { type: 'string', default: '2000' },
  },
});
const N = Number(values.items);
const U = Number(values.users);
const D = Number(values.dims);
const H = Number(values.history);
const M = Number(values.updates);
const CLUSTERS = 200;
console.log(`${N} items x ${D}-d, ${U} users, ${H} past events, ${M} timed updates; ${machine()}`);

const rand = seededRandom(11);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const centres = Array.from({ length: CLUSTERS }, () => Float32Array.from({ length: D }, gauss));
const vectors = new Float32Array(N * D);
for (let i = 0; i < N; i++) {
  const c = centres[i % CLUSTERS]!;
  const v = vectors.subarray(i * D, (i + 1) * D);
  let sq = 0;
  for (let d = 0; d < D; d++) sq += (v[d] = c[d]! + 1.2 * gauss()) ** 2;
  const n = Math.sqrt(sq);
  for (let d = 0; d < D; d++) v[d]! /= n;
}
const idOf = (i: number) => `item-${i}`;
const indexOf = new Map(Array.from({ length: N }, (_, i) => [idOf(i), i]));
// Like the HNSW index, each lookup copies the stored point into a fresh Float32Array.
const source: VectorSource = {
  vector: (id) => {
    const i = indexOf.get(id);
    return i === undefined ? undefined : vectors.slice(i * D, (i + 1) * D);
  },
  search: () => [],
};

const tastes = Array.from({ length: U }, () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Math.floor(rand() * CLUSTERS)));
const ACTIONS = Object.entries(DEFAULT_ACTION_WEIGHTS);
const T0 = Date.UTC(2024, 0, 1);
let clock = T0;
function event(): TasteEvent {
  const u = Math.floor(U * rand() * rand()); // skewed: low ids are heavy users
  const clusters = tastes[u]!;
  const c = clusters[Math.floor(rand() * clusters.length)]!;
  const item = c + CLUSTERS * Math.floor(rand() * (N / CLUSTERS));
  const [action, weight] = ACTIONS[Math.floor(rand() * ACTIONS.length)]!;
  clock += 1000 + Math.floor(rand() * 60_000);
  return { user: `user-${u}`, item: idOf(item), action, weight, ts: clock };
}

const engine = new FeedEngine(source);
for (let i = 0; i < N; i++) engine.addItem(idOf(i), [`c${i % CLUSTERS}`], [`board-${Math.floor((rand() * N) / 20)}`]);
const history = Array.from({ length: H }, event);
const byUser = new Map<string, TasteEvent[]>();
for (const e of history) {
  engine.engage(e.user, e.item, e.weight);
  let l = byUser.get(e.user);
  if (!l) byUser.set(e.user, (l = []));
  l.push(e);
}
let t = performance.now();
const rebuild: number[] = [];
for (const [user, evs] of byUser) {
  const t0 = performance.now();
  engine.buildTaste(user, evs);
  rebuild.push(performance.now() - t0);
}
const rebuildAll = (performance.now() - t) / 1000;
const sizes = [...byUser.values()].map((l) => l.length).sort((a, b) => a - b);
console.log(`history: ${byUser.size} users with events (median ${sizes[sizes.length >> 1]}, max ${sizes[sizes.length - 1]} events); all models rebuilt in ${rebuildAll.toFixed(1)} s`);

const update: number[] = [];
for (let i = 0; i < M; i++) {
  const e = event();
  const t0 = performance.now();
  engine.record(e);
  update.push(performance.now() - t0);
}
const up = summarize(update);
console.log(`update (in memory, per event): p50 ${up.p50.toFixed(3)} ms, p99 ${up.p99.toFixed(3)} ms, max ${Math.max(...update).toFixed(1)} ms`);

const walks: number[] = [];
for (let i = 0; i < 300; i++) {
  const u = `user-${Math.floor(U * rand())}`;
  const seeds = (engine.taste(u)?.engagement(50) ?? []).map((e) => ({ item: e.item, weight: e.weight }));
  const t0 = performance.now();
  pixieWalk(engine.graph, seeds, { seed: i, enough: 60 });
  walks.push(performance.now() - t0);
}
const wk = summarize(walks);
console.log(`graph: ${engine.graph.nodeCount} nodes, ${engine.graph.edges} edges; walk (20k steps max): p50 ${wk.p50.toFixed(2)} ms, p99 ${wk.p99.toFixed(2)} ms`);
const mem = process.memoryUsage();
console.log(`memory: heap ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB (includes the ${((N * D * 4) / 1e6).toFixed(0)} MB of synthetic vectors)`);

// The database side on embedded PGlite: append one event, read one user's history back.
const paths = dataPaths(path.join(tempDir('taste'), 'data'));
const db = await openDb({ dir: paths.db });
t = performance.now();
await insertEvents(db, history);
console.log(`db: ${H} events loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const append: number[] = [];
for (let i = 0; i < Number(values['db-updates']); i++) {
  const e = event();
  const t0 = performance.now();
  await insertEvents(db, [e]);
  engine.record(e);
  append.push(performance.now() - t0);
}
const ap = summarize(append);
console.log(`append + update (PGlite insert, then in memory): p50 ${ap.p50.toFixed(2)} ms, p99 ${ap.p99.toFixed(2)} ms`);
const cold: number[] = [];
for (let i = 0; i < 500; i++) {
  const u = `user-${Math.floor(U * rand() * rand())}`;
  const t0 = performance.now();
  engine.buildTaste(u, await userEvents(db, u));
  cold.push(performance.now() - t0);
}
const cd = summarize(cold);
const rb = summarize(rebuild);
console.log(`rebuild one user from the events table (read + fold): p50 ${cd.p50.toFixed(2)} ms, p99 ${cd.p99.toFixed(2)} ms (fold alone p50 ${rb.p50.toFixed(2)}, p99 ${rb.p99.toFixed(2)} ms)`);
await db.close();

report('taste-update', {
  items: N,
  users: U,
  dims: D,
  history: H,
  update_ms: up,
  append_and_update_ms: ap,
  rebuild_user_ms: cd,
  fold_user_ms: rb,
  rebuild_all_s: rebuildAll,
  walk_ms: wk,
  graph: { nodes: engine.graph.nodeCount, edges: engine.graph.edges },
});
