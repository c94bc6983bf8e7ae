/**
 * What usearch's build-time expansion, connectivity and quantization cost and buy (issue #20: the
 * 1M build is the slow stage): raw usearch, 2 threads, cosine, on seeded clustered 256-d vectors;
 * build time, batch search of every item (k=33, the neighbour lists) and recall@10 of those lists
 * against exact search on 1,000 queries. Not the product path (see scale-1m).
 *   npm run bench -- ann-expansion [--n 100000] [--configs f16:128,i8:128,f16:64,i8:64,f32:128]
 * A config is kind:expansion_add[:expansion_search[:connectivity]] (defaults 64 and 16).
 */
import { parseArgs } from 'node:util';
import { Index, MetricKind, ScalarKind, type BatchMatches } from 'usearch';
import { machine, report } from './common.js';
import { clusteredVectors } from './synthetic.js';

const { values } = parseArgs({ options: { n: { type: 'string' }, configs: { type: 'string' } } });
const N = Number(values.n ?? 100_000);
const D = 256;
const Q = 1000;
const K = 10;
const LISTS = 33;
const KINDS = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 } as const;
const configs = (values.configs ?? 'f16:128,i8:128,f16:64,i8:64,f32:128').split(',').map((c) => {
  const [kind, add, search = '64', m = '16'] = c.split(':');
  if (!(kind! in KINDS) || !Number(add) || !Number(search) || !Number(m)) throw new Error(`--configs: expected kind:expansion_add[:expansion_search[:connectivity]] (f32|f16|i8), got '${c}'`);
  return { kind: kind as keyof typeof KINDS, add: Number(add), search: Number(search), m: Number(m) };
});
console.log(`${N} x ${D}-d, ${machine()}`);

const flat = new Float32Array(N * D);
clusteredVectors(N, D, Math.max(10, Math.round(N / 100))).forEach((v, i) => flat.set(v, i * D));
// The vectors are unit length: cosine is the dot product. Exact top-10 per query by a threshold pass.
const queries = Array.from({ length: Q }, (_, i) => (i * 7919) % N);
const truth = queries.map((q) => {
  const scores = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += flat[q * D + d]! * flat[i * D + d]!;
    scores[i] = s;
  }
  const threshold = Float32Array.from(scores).sort()[N - K]!;
  return new Set(Array.from(scores.keys()).filter((i) => scores[i]! >= threshold));
});
const keys = BigUint64Array.from({ length: N }, (_, i) => BigInt(i));
const rows = [];
for (const { kind, add, search, m } of configs) {
  const index = new Index({ dimensions: D, metric: MetricKind.Cos, quantization: KINDS[kind], connectivity: m, expansion_add: add, expansion_search: search, multi: false });
  let t = performance.now();
  index.add(keys, flat, 2);
  const build = (performance.now() - t) / 1000;
  t = performance.now();
  const all = index.search(flat, LISTS, 2) as unknown as BatchMatches;
  const lists = (performance.now() - t) / 1000;
  let hits = 0;
  queries.forEach((q, j) => {
    for (let r = 0; r < K; r++) if (truth[j]!.has(Number(all.keys[q * LISTS + r]!))) hits++;
  });
  const recall = hits / (Q * K);
  rows.push({ kind, expansion_add: add, expansion_search: search, connectivity: m, build_s: build, lists_s: lists, recall_at_10: recall });
  console.log(`${kind} expansion_add ${add} search ${search} M${m}: build ${build.toFixed(1)} s, lists ${lists.toFixed(1)} s, recall@10 ${recall.toFixed(4)}`);
}
report('ann-expansion', { items: N, dims: D, rows });
