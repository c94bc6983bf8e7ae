/**
 * Serving from precomputed vectors vs encoding at request time, at 100k items, side by side:
 * GET /api/items/:id/similar vs POST /api/search/image of the same item's photo, over HTTP with
 * keep-alive and in-process (the library calls under the two routes). The served version is a
 * trained 256-d version (trained on the bundled sample), padded with synthetic catalogue vectors.
 *   node --import tsx bench/request-time.ts [--items 100000] [--requests 300]
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ingestCatalogue } from '../src/catalog/ingest.js';
import { dataPaths } from '../src/config.js';
import { IndexRegistry } from '../src/index/registry.js';
import { encodeMissing } from '../src/app/encode.js';
import { nearestToVector } from '../src/app/search.js';
import { similarFromIndex } from '../src/app/similar.js';
import { EncoderPool } from '../src/vision/encoder-pool.js';
import { imageQueryVector } from '../src/vision/query-vectors.js';
import { trainVersion } from '../src/app/train.js';
import { startServer } from '../src/server/runtime.js';
import { openDb } from '../src/store/db.js';
import { DEFAULT_ENCODER } from '../src/vision/encoders.js';
import { machine, report, SAMPLE, summarize, tempDir } from './common.js';
import { clusteredVectors, loadSynthetic } from './synthetic.js';

const { values } = parseArgs({ options: { items: { type: 'string' }, requests: { type: 'string' } } });
const N = Number(values.items ?? 100_000);
const R = Number(values.requests ?? 300);
console.log(`${N} items, ${R} requests per path, ${machine()}`);

const dataDir = path.join(tempDir('request-time'), 'data');
const paths = dataPaths(dataDir);
{
  const db = await openDb({ dir: paths.db });
  await ingestCatalogue(db, paths, SAMPLE);
  const pool = new EncoderPool(paths);
  await encodeMissing(db, paths, await pool.get(DEFAULT_ENCODER), { version: 'generic', encoderSpec: DEFAULT_ENCODER });
  await pool.close();
  const indexes = new IndexRegistry(db, paths.index);
  const trained = await trainVersion(db, paths, indexes, { name: 'served', seed: 1 });
  const real = await db.query<{ n: string }>(`SELECT count(*) AS n FROM embeddings WHERE version = 'served'`);
  const pad = N - Number(real[0]!.n);
  const t = performance.now();
  if (pad > 0) await loadSynthetic(db, 'served', clusteredVectors(pad, trained.dims, Math.max(10, Math.round(pad / 100))), { create: false });
  console.log(`padded 'served' with ${pad} synthetic vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await db.query(`INSERT INTO promotions (version) VALUES ('served')`);
  await db.close();
}

const run = await startServer({ dataDir, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
const s = run.services;
const items = (await s.db.query<{ id: string }>(`SELECT id FROM items WHERE id NOT LIKE 'syn-%' ORDER BY id`)).map((r) => r.id);
const photoOf = new Map<string, Buffer>();
for (const line of fs.readFileSync(SAMPLE, 'utf8').trim().split('\n').slice(1)) {
  const [id, image] = line.split(',');
  photoOf.set(id!, fs.readFileSync(path.join(path.dirname(SAMPLE), image!)));
}
const pick = (i: number) => items[(i * 7919) % items.length]!;
// More-like-this asks about any catalogue item, so its lookups range over all of them.
const everyId = (await s.db.query<{ item_id: string }>(`SELECT item_id FROM embeddings WHERE version = 'served'`)).map((r) => r.item_id);
const pickAny = (i: number) => everyId[(i * 104_729) % everyId.length]!;

async function time(fn: (i: number) => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn(i); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

const inSimilar = await time(async (i) => similarFromIndex(s.indexes, 'served', pickAny(i), 10), R * 10);
// The same answer from a live HNSW search, for the record: what the precomputed lists save.
const served = s.indexes.loaded('served')!;
const inSearch = await time(async (i) => served.search(served.vector(pickAny(i))!, 10, new Set([pickAny(i)])), R * 3);
const inImage = await time(async (i) => nearestToVector(s.indexes, 'served', await imageQueryVector(s.db, s.paths, s.encoders, 'served', photoOf.get(pick(i))!), 10), R);
// A plain keep-alive client, so the numbers are the server's, not a heavyweight client's.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const { hostname, port } = new URL(run.server.url);
function request(method: string, pathname: string, body?: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, hostname, port, method, path: pathname, headers: body ? { 'content-type': 'image/jpeg', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString())) : reject(new Error(`${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const httpSimilar = await time((i) => request('GET', `/api/items/${encodeURIComponent(pickAny(i))}/similar?k=10`), R * 3);
const httpImage = await time((i) => request('POST', '/api/search/image?k=10', photoOf.get(pick(i))!), R);
agent.destroy();
await run.stop();

// The floor: a bare node:http server in this process answering every request with one fixed body
// of the same size, timed by the same client. What no route on this machine can beat.
const fixedBody = JSON.stringify(similarFromIndex(s.indexes, 'served', pickAny(0), 10));
const bare = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fixedBody));
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const barePort = (bare.address() as { port: number }).port;
const bareGet = (i: number) =>
  new Promise<void>((resolve, reject) => {
    http
      .get({ agent: bareAgent, hostname: '127.0.0.1', port: barePort, path: `/api/items/${encodeURIComponent(pickAny(i))}/similar?k=10` }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(void JSON.parse(Buffer.concat(chunks).toString())));
      })
      .on('error', reject);
  });
const httpFloor = summarize(await time(bareGet, R * 3));
bareAgent.destroy();
bare.close();

const rows = { inProcess: { similar: summarize(inSimilar), image: summarize(inImage) }, http: { similar: summarize(httpSimilar), image: summarize(httpImage) } };
for (const [where, r] of Object.entries(rows)) {
  console.log(
    `${where.padEnd(10)} similar p50 ${r.similar.p50.toFixed(3)} ms p99 ${r.similar.p99.toFixed(3)} ms | image search p50 ${r.image.p50.toFixed(2)} ms p99 ${r.image.p99.toFixed(2)} ms | ` +
      `speed-up p50 ${(r.image.p50 / r.similar.p50).toFixed(0)}x p99 ${(r.image.p99 / r.similar.p99).toFixed(0)}x`,
  );
}
console.log(
  `floor      bare node:http, fixed body: p50 ${httpFloor.p50.toFixed(3)} ms p99 ${httpFloor.p99.toFixed(3)} ms (image search p99 / floor p99 = ${(rows.http.image.p99 / httpFloor.p99).toFixed(0)}x)`,
);
const live = summarize(inSearch);
console.log(
  `live HNSW search (no precomputed list) p50 ${live.p50.toFixed(3)} ms p99 ${live.p99.toFixed(3)} ms | speed-up p50 ${(rows.inProcess.image.p50 / live.p50).toFixed(0)}x p99 ${(rows.inProcess.image.p99 / live.p99).toFixed(0)}x`,
);
report('request-time', {
  items: N,
  liveSearch: live,
  ...rows,
  httpFloor,
  speedup: {
    inProcess: { p50: rows.inProcess.image.p50 / rows.inProcess.similar.p50, p99: rows.inProcess.image.p99 / rows.inProcess.similar.p99 },
    http: { p50: rows.http.image.p50 / rows.http.similar.p50, p99: rows.http.image.p99 / rows.http.similar.p99 },
  },
});
