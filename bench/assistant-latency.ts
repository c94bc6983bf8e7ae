/**
 * `POST /api/assistant` latency at the clothing set's size, side by side with plain text search
 * (`GET /api/search?q=`, the trained text tower on the same words) in the same run, over loopback HTTP.
 *   node --import tsx bench/assistant-latency.ts [--data DIR] [--version NAME] [--set FILE] [--rounds N]
 * Reuses the data dir and trained version `npm run bench -- assistant-eval` builds (run that first).
 * Startup (the first request: WordNet, the lexicon, the index, the text model) is reported apart;
 * then each round sends every request of the set once to each endpoint, alternating, one at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LiveBus } from '../src/app/live.js';
import { dataPaths } from '../src/config.js';
import { IndexRegistry } from '../src/index/registry.js';
import { listen } from '../src/server/serve.js';
import { EncoderPool } from '../src/services/encoders.js';
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
  const server = await listen({ db, paths, indexes, encoders, live: new LiveBus(), apiKey: undefined, limits: { uploadBytes: 20_000_000, maxPixels: 50_000_000 } }, { port: 0, host: '127.0.0.1' });
  const timed = async (send: () => Promise<Response>) => {
    const t = performance.now();
    const res = await send();
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t;
  };
  const ask = (q: string) => () => fetch(`${server.url}/api/assistant`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: q, k: 5 }) });
  const search = (q: string) => () => fetch(`${server.url}/api/search?${new URLSearchParams({ q, k: '5' })}`);
  const assistantMs: number[] = [];
  const searchMs: number[] = [];
  let firstMs: number;
  try {
    firstMs = await timed(ask(requests[0]!));
    await timed(search(requests[0]!));
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const q of requests) {
        assistantMs.push(await timed(ask(q)));
        searchMs.push(await timed(search(q)));
      }
    }
  } finally {
    await server.close();
  }
  const a = summarize(assistantMs);
  const s = summarize(searchMs);
  console.log(`${n} items, ${requests.length} requests x ${values.rounds} rounds; first assistant request (startup) ${firstMs.toFixed(0)} ms`);
  console.log(`POST /api/assistant  p50 ${a.p50.toFixed(1)} ms  p99 ${a.p99.toFixed(1)} ms`);
  console.log(`GET  /api/search     p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms`);
  console.log(`assistant / search: p50 ${(a.p50 / s.p50).toFixed(2)}x, p99 ${(a.p99 / s.p99).toFixed(2)}x`);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  report('assistant-latency', {
    items: n,
    requests: assistantMs.length,
    set: path.basename(values.set!),
    version: values.version,
    first_request_ms: Math.round(firstMs),
    assistant_ms: { p50: r1(a.p50), p99: r1(a.p99), mean: r1(a.mean) },
    search_ms: { p50: r1(s.p50), p99: r1(s.p99), mean: r1(s.mean) },
    ratio_p50: r1((a.p50 / s.p50) * 10) / 10,
    ratio_p99: r1((a.p99 / s.p99) * 10) / 10,
  });
} finally {
  await encoders.close();
  await db.close();
}
