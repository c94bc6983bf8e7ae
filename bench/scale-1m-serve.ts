/**
 * The serving half of `scale-1m` on a data dir a `scale-1m` run already made servable (its
 * `tempDir('scale')/data`, kept when the run is stopped after the persist stage): `loupe serve` in a
 * fresh process (spawn to listening, RSS), more-like-this over one HTTP keep-alive connection
 * (1,000 requests after 1,000 warm-up), and recall@10 of the served lists against exact search over
 * the same seeded vectors (regenerated, so `--n` and `--dims` must match the run that made DIR), and
 * the other pages a shop reads at that size (browse pages by cursor, one item, versions, stats).
 *   npm run bench -- scale-1m-serve --data DIR [--n 1000000] [--dims 256] [--recall-queries 100]
 */
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machine, procMiB, report, startServe, summarize } from './common.js';
import { clusteredVectors } from './synthetic.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, n: { type: 'string' }, dims: { type: 'string' }, 'recall-queries': { type: 'string' } } });
if (!values.data) throw new Error('--data DIR is required: the data dir of a scale-1m run (see the header of bench/scale-1m-serve.ts)');
const dataDir = path.resolve(values.data);
const N = Number(values.n ?? 1_000_000);
const D = Number(values.dims ?? 256);
const RQ = Number(values['recall-queries'] ?? 100);
const K = 10;
const VERSION = 'synthetic';
console.log(`serving ${dataDir}: ${N} x ${D}-d, ${machine()}`);

const started = performance.now();
const { child, url } = await startServe(dataDir);
const startS = (performance.now() - started) / 1000;
console.log(`loupe serve listening after ${startS.toFixed(1)} s, RSS ${procMiB(child.pid!, 'VmRSS').toFixed(0)} MiB`);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (p: string) =>
  new Promise<string>((resolve, reject) => {
    http
      .get(`${url}${p}`, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${p} answered ${res.statusCode}: ${body}`))));
      })
      .on('error', reject);
  });
const itemId = (i: number) => `syn-${String(i).padStart(7, '0')}`;
const queries = Array.from({ length: 1000 }, (_, j) => (j * 7919 + 13) % N);
const latency: number[] = [];
const served = new Map<number, string[]>();
for (let rep = 0; rep < 2; rep++)
  for (const q of queries) {
    const t0 = performance.now();
    const body = await get(`/api/items/${itemId(q)}/similar?k=${K}&version=${VERSION}`);
    if (!rep) continue;
    latency.push(performance.now() - t0);
    if (served.size < RQ)
      served.set(
        q,
        (JSON.parse(body) as { items: { id: string }[] }).items.map((x) => x.id),
      );
  }
const http99 = summarize(latency);

// The pages the UI and CLI read besides more-like-this: each must stay an index lookup at 1M
// (keyset pages by id, no full-table scan per request).
const pageChecks: Record<string, { p50: number; p99: number; mean: number; requests: number }> = {};
const timeGets = async (name: string, paths: string[]) => {
  const ms: number[] = [];
  for (const p of paths) {
    const t0 = performance.now();
    await get(p);
    ms.push(performance.now() - t0);
  }
  pageChecks[name] = { ...summarize(ms), requests: paths.length };
  console.log(`${name}: p50 ${pageChecks[name].p50.toFixed(1)} ms, p99 ${pageChecks[name].p99.toFixed(1)} ms (${paths.length} requests)`);
};
const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
await timeGets(
  'browse, first page (GET /api/items?limit=48)',
  repeat(20, () => '/api/items?limit=48'),
);
await timeGets(
  'browse, a page deep in (cursor)',
  repeat(20, (i) => `/api/items?limit=48&cursor=${itemId(((i + 1) * 47_111) % N)}`),
);
await timeGets(
  'one item (GET /api/items/:id)',
  repeat(100, (i) => `/api/items/${itemId((i * 7919) % N)}`),
);
await timeGets(
  'versions (GET /api/versions)',
  repeat(10, () => '/api/versions'),
);
await timeGets(
  'catalogue stats, label chips (GET /api/stats)',
  repeat(5, () => '/api/stats'),
);
const rss = procMiB(child.pid!, 'VmRSS');
const hwm = procMiB(child.pid!, 'VmHWM');
agent.destroy();
child.kill('SIGTERM');
console.log(`more-like-this over HTTP keep-alive: p50 ${http99.p50.toFixed(3)} ms, p99 ${http99.p99.toFixed(3)} ms; serving RSS ${rss.toFixed(0)} MiB, peak ${hwm.toFixed(0)} MiB`);

// Exact top-10 by brute force over the regenerated vectors (the same seed as scale-1m).
const vectors = clusteredVectors(N, D, Math.max(10, Math.round(N / 100)));
let hits = 0;
for (const [q, got] of served) {
  const qv = vectors[q]!;
  const best: [number, number][] = [];
  for (let i = 0; i < N; i++) {
    if (i === q) continue;
    const v = vectors[i]!;
    let s = 0;
    for (let d = 0; d < D; d++) s += v[d]! * qv[d]!;
    if (best.length < K || s > best[best.length - 1]![1]) {
      best.push([i, s]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > K) best.pop();
    }
  }
  const truth = new Set(best.map(([i]) => itemId(i)));
  hits += got.slice(0, K).filter((x) => truth.has(x)).length;
}
const recall = hits / (served.size * K);
console.log(`recall@10 of the served lists vs exact search on ${served.size} queries: ${recall.toFixed(4)}`);
report('scale-1m-serve', {
  items: N,
  dims: D,
  serve_start_s: startS,
  http_ms: http99,
  pages_ms: pageChecks,
  serving_rss_mib: rss,
  serving_peak_mib: hwm,
  recall_at_10: recall,
  recall_queries: served.size,
});
