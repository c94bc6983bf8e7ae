// hnswlib-node (the product's ANN today) vs usearch (threaded build, f32/f16/i8) on the same seeded
// clustered 256-d vectors: build time, batch search of every item, p50/p99 of one query, recall@10
// vs exact on 300 queries. usearch is not a dependency yet, so this runs outside the repo:
//   mkdir -p /tmp/us && cp bench/ann-compare.mjs /tmp/us && cd /tmp/us && npm init -y && npm i usearch@2.25.3 hnswlib-node@3.0.0 && node ann-compare.mjs 20000
/* global console, process, performance */
import hnswlib from 'hnswlib-node';
import usearch from 'usearch';
const N = Number(process.argv[2] ?? 20000),
  D = 256,
  K = 10,
  Q = 300;
const skipH = process.argv[3] === 'nohnsw';
let s = 1;
const uni = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
const gauss = () => Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
const C = Math.max(10, Math.round(N / 100));
const centres = Array.from({ length: C }, () => Float32Array.from({ length: D }, gauss));
const flat = new Float32Array(N * D);
for (let i = 0; i < N; i++) {
  const c = centres[Math.floor(uni() * C)];
  let n = 0;
  for (let d = 0; d < D; d++) {
    const x = c[d] + 0.9 * gauss();
    flat[i * D + d] = x;
    n += x * x;
  }
  n = Math.sqrt(n);
  for (let d = 0; d < D; d++) flat[i * D + d] /= n;
}
const row = (i) => flat.subarray(i * D, (i + 1) * D);
const qs = Array.from({ length: Q }, (_, j) => (j * 7919) % N);
const exact = qs.map((q) => {
  const qv = row(q);
  const sc = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let t = 0;
    const o = i * D;
    for (let d = 0; d < D; d++) t += flat[o + d] * qv[d];
    sc[i] = i === q ? -Infinity : t;
  }
  const idx = Array.from(sc.keys())
    .sort((a, b) => sc[b] - sc[a])
    .slice(0, K);
  return new Set(idx);
});
const pct = (a, p) => {
  const b = [...a].sort((x, y) => x - y);
  return b[Math.min(b.length - 1, Math.floor((p / 100) * b.length))];
};
function report(name, build, searchOne, batchSecs) {
  let hits = 0;
  const lat = [];
  for (let r = 0; r < 2; r++)
    qs.forEach((q, j) => {
      const t = performance.now();
      const res = searchOne(q);
      if (r) lat.push(performance.now() - t);
      if (r)
        hits += res
          .filter((x) => x !== q)
          .slice(0, K)
          .filter((x) => exact[j].has(x)).length;
    });
  console.log(
    `${name}: build ${build.toFixed(1)} s (${(N / build).toFixed(0)}/s), batch-search all ${batchSecs.toFixed(1)} s, p50 ${pct(lat, 50).toFixed(3)} ms p99 ${pct(lat, 99).toFixed(3)} ms, recall@10 ${(hits / (Q * K)).toFixed(4)}`,
  );
}
if (!skipH) {
  let t = performance.now();
  const h = new hnswlib.HierarchicalNSW('cosine', D);
  h.initIndex({ maxElements: N, m: 16, efConstruction: 200, randomSeed: 100 });
  h.setEf(128);
  for (let i = 0; i < N; i++) h.addPoint(Array.from(row(i)), i);
  const b = (performance.now() - t) / 1000;
  t = performance.now();
  const M = Math.min(N, 20000);
  for (let i = 0; i < M; i++) h.searchKnn(h.getPoint(i), 33);
  const bs = (((performance.now() - t) / 1000) * N) / M;
  report('hnswlib-node M16 efC200 ef128 (1 thread)', b, (q) => h.searchKnn(Array.from(row(q)), K + 1).neighbors, bs);
}
for (const q of ['f32', 'f16', 'i8']) {
  let t = performance.now();
  const u = new usearch.Index({ dimensions: D, metric: 'cos', quantization: q, connectivity: 16, expansion_add: 128, expansion_search: 64 });
  const keys = new BigUint64Array(N);
  for (let i = 0; i < N; i++) keys[i] = BigInt(i);
  u.add(keys, flat, 2);
  const b = (performance.now() - t) / 1000;
  t = performance.now();
  u.search(flat, 33, 2);
  const bs = (performance.now() - t) / 1000;
  report(`usearch ${q} M16 add128 search64 (2 threads)`, b, (qq) => Array.from(u.search(row(qq), K + 1, 1).keys, Number), bs);
  if (q === 'f32') {
    u.save('u.bin');
    t = performance.now();
    const v = new usearch.Index({ dimensions: D, metric: 'cos', quantization: q, connectivity: 16 });
    v.load('u.bin');
    console.log(`  load ${((performance.now() - t) / 1000).toFixed(2)} s size ${v.size()}`);
  }
}
console.log('rss', (process.memoryUsage().rss / 2 ** 20).toFixed(0), 'MiB');
