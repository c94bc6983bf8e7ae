/**
 * `POST /api/assistant` latency at the clothing set's size, side by side with plain text search
 * (`GET /api/search?q=`, the trained text tower on the same words) in the same run, over loopback HTTP.
 *   node --import tsx bench/assistant-latency.ts [--data DIR] [--version NAME] [--set FILE] [--rounds N] [--baseline DIR]
 * Reuses the data dir and trained version `npm run bench -- assistant-eval` builds (run that first).
 * Startup (the first request: WordNet, the lexicon, the index, the text model) is reported apart;
 * then each round sends every request of the set once to each endpoint, alternating, one at a time.
 * --baseline DIR serves a second copy of the code (a checkout of an older commit: DIR/src) on the same
 * database, index and encoders, asked in the same rounds (order alternating per round), so old and new
 * code are timed side by side under the same load. Each request's process CPU time (server and client,
 * one process) is reported beside wall time: on a shared machine it moves far less than wall time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CatalogueCounts } from '../src/app/catalogue-counts.js';
import { LiveBus } from '../src/app/live.js';
import { dataPaths } from '../src/config.js';
import { IndexRegistry } from '../src/index/registry.js';
import { listen } from '../src/server/serve.js';
import { EncoderPool } from '../src/vision/encoder-pool.js';
import { openDb } from '../src/store/db.js';
import { countItems } from '../src/store/items.js';
import { getVersion, promoteVersion } from '../src/store/vectors.js';
import { report, summarize } from './common.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/assistant-clothing') },
    version: { type: 'string', default: 'assistant-eval' },
    set: { type: 'string', default: path.resolve(import.meta.dirname, '../eval-sets/assistant-clothing-dev.jsonl') },
    rounds: { type: 'string', default: '5' },
    baseline: { type: 'string' },
  },
});

const requests = fs
  .readFileSync(values.set!, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { request?: string })
  .flatMap((l) => (l.request ? [l.request] : []));
const paths = dataPaths(values.data!);
if (!fs.existsSync(paths.db)) throw new Error(`no data in ${values.data}: run \`npm run bench -- assistant-eval\` first`);
const db = await openDb({ dir: paths.db });
const indexes = new IndexRegistry(db, paths.index);
const encoders = new EncoderPool(paths);
try {
  if (!(await getVersion(db, values.version!))) throw new Error(`no version '${values.version}': run \`npm run bench -- assistant-eval\` first`);
  await promoteVersion(db, values.version!);
  const n = await countItems(db);
  const services = { db, paths, indexes, encoders, live: new LiveBus(), counts: new CatalogueCounts(db), apiKey: undefined, limits: { uploadBytes: 20_000_000, maxPixels: 50_000_000 } };
  const server = await listen(services, { port: 0, host: '127.0.0.1' });
  const baseline = values.baseline
    ? await ((await import(pathToFileURL(path.resolve(values.baseline, 'src/server/serve.ts')).href)) as { listen: typeof listen }).listen(services, { port: 0, host: '127.0.0.1' })
    : undefined;
  /** Wall and process CPU milliseconds of one request, body read. */
  const timed = async (send: () => Promise<Response>): Promise<[number, number]> => {
    const c = process.cpuUsage();
    const t = performance.now();
    const res = await send();
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const wall = performance.now() - t;
    const cpu = process.cpuUsage(c);
    return [wall, (cpu.user + cpu.system) / 1000];
  };
  const ask = (url: string, q: string) => () => fetch(`${url}/api/assistant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: q, k: 5 }) });
  const search = (q: string) => () => fetch(`${server.url}/api/search?${new URLSearchParams({ q, k: '5' })}`);
  const series = { assistant: [[], []], baseline: [[], []], search: [[], []] } as Record<'assistant' | 'baseline' | 'search', [number[], number[]]>;
  const record = (name: keyof typeof series, [wall, cpu]: [number, number]) => {
    series[name][0].push(wall);
    series[name][1].push(cpu);
  };
  const loadBefore = os.loadavg();
  let firstMs: number;
  let baselineFirstMs: number | undefined;
  try {
    [firstMs] = await timed(ask(server.url, requests[0]!));
    if (baseline) [baselineFirstMs] = await timed(ask(baseline.url, requests[0]!));
    await timed(search(requests[0]!));
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const q of requests) {
        if (baseline && r % 2 === 1) record('baseline', await timed(ask(baseline.url, q)));
        record('assistant', await timed(ask(server.url, q)));
        if (baseline && r % 2 === 0) record('baseline', await timed(ask(baseline.url, q)));
        record('search', await timed(search(q)));
      }
    }
  } finally {
    await server.close();
    await baseline?.close();
  }
  const loadAfter = os.loadavg();
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const stats = (name: keyof typeof series) => {
    const [w, c] = [summarize(series[name][0]), summarize(series[name][1])];
    return { wall_ms: { p50: r1(w.p50), p99: r1(w.p99), mean: r1(w.mean) }, cpu_ms: { p50: r1(c.p50), p99: r1(c.p99), mean: r1(c.mean) } };
  };
  const names = (baseline ? ['assistant', 'baseline', 'search'] : ['assistant', 'search']) as (keyof typeof series)[];
  const out = Object.fromEntries(names.map((k) => [k, stats(k)]));
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`${n} items, ${requests.length} requests x ${values.rounds} rounds; load average ${load(loadBefore)} before, ${load(loadAfter)} after`);
  console.log(`first assistant request (startup) ${firstMs.toFixed(0)} ms${baselineFirstMs !== undefined ? `, baseline ${baselineFirstMs.toFixed(0)} ms` : ''}`);
  const label = { assistant: 'POST /api/assistant', baseline: `POST /api/assistant (baseline ${values.baseline})`, search: 'GET  /api/search' };
  for (const k of names) {
    const o = out[k]!;
    console.log(`${label[k]}  wall p50 ${o.wall_ms.p50} ms  p99 ${o.wall_ms.p99} ms  mean ${o.wall_ms.mean} ms | cpu p50 ${o.cpu_ms.p50} ms  p99 ${o.cpu_ms.p99} ms  mean ${o.cpu_ms.mean} ms`);
  }
  const a = out.assistant!.wall_ms;
  const s = out.search!.wall_ms;
  console.log(`assistant / search: p50 ${(a.p50 / s.p50).toFixed(2)}x, p99 ${(a.p99 / s.p99).toFixed(2)}x`);
  report('assistant-latency', {
    items: n,
    requests: series.assistant[0].length,
    set: path.basename(values.set!),
    version: values.version,
    load_before: loadBefore.map(r1),
    load_after: loadAfter.map(r1),
    first_request_ms: Math.round(firstMs),
    ...(baseline ? { baseline: values.baseline, baseline_first_request_ms: Math.round(baselineFirstMs!) } : {}),
    assistant_ms: a,
    search_ms: s,
    cpu_ms: Object.fromEntries(names.map((k) => [k, out[k]!.cpu_ms])),
    ...(baseline ? { baseline_ms: out.baseline!.wall_ms } : {}),
    ratio_p50: Math.round((a.p50 / s.p50) * 100) / 100,
    ratio_p99: Math.round((a.p99 / s.p99) * 100) / 100,
  });
} finally {
  await encoders.close();
  await db.close();
}
