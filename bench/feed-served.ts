/**
 * The feed as a new user meets it, end to end through the product's own doors (protocol
 * `served-last-positive`): `loupe ingest`, `loupe encode`, `loupe index`, then `loupe events import`
 * of the training events only, then `loupe serve` and `GET /api/users/:id/feed?k=20&method=...` for
 * up to `--users` people. Nothing is fitted by hand: the default feed is whatever the import fitted.
 * The split is `last-positive` (src/graph/evaluate.ts): per person the last 5 distinct items with a
 * positive event (weight >= 1: click, save, purchase) and every later event hidden.
 *   npm run bench -- feed-served [--catalogue items.csv] [--events events.csv] [--users 300] [--seed 1]
 * `--data DIR` keeps the data dir (default: a temporary one). Defaults: the bundled sample and its generated shoppers. On your own data, point both flags at
 * your files: the table is what your users would get.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readCatalogue } from '../src/catalog/parse.js';
import { DEFAULT_ACTION_WEIGHTS, toTasteEvent, type TasteEvent } from '../src/graph/actions.js';
import { leaveLastPositiveOut, testSlices } from '../src/graph/evaluate.js';
import { FEED_METHODS } from '../src/graph/feed.js';
import { seededRandom } from '../src/graph/vec.js';
import { mean, ndcgAtK, recallAtK } from '../src/eval/metrics.js';
import { machine, report, SAMPLE, tempDir } from './common.js';

const { values } = parseArgs({
  options: {
    catalogue: { type: 'string', default: SAMPLE },
    events: { type: 'string' },
    users: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    port: { type: 'string', default: '18931' },
    data: { type: 'string' },
  },
});
const catalogue = path.resolve(values.catalogue);
const eventsFile = path.resolve(values.events ?? path.join(path.dirname(catalogue), 'events.csv'));
const K = 20;
const HOLDOUT = 5;
const root = path.resolve(import.meta.dirname, '..');
const data = values.data ? path.resolve(values.data) : tempDir('feed-served');
fs.mkdirSync(data, { recursive: true });
const cli = (...args: string[]) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data', data], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`loupe ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  console.log(`loupe ${args.join(' ')}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return r.stdout;
};
console.log(`${catalogue} + ${eventsFile}; ${machine()}`);

const parsed = await readCatalogue(eventsFile);
const events: TasteEvent[] = [];
for (const row of parsed.rows) {
  const ev = toTasteEvent(row.values, DEFAULT_ACTION_WEIGHTS);
  if (typeof ev !== 'string') events.push(ev);
}
const split = leaveLastPositiveOut(events, HOLDOUT);
const slices = testSlices(split);
const trainFile = path.join(data, 'train-events.csv');
fs.writeFileSync(trainFile, ['user,item,action,ts', ...split.train.map((e) => `${e.user},${e.item},${e.action},${new Date(e.ts).toISOString()}`)].join('\n') + '\n');
const rand = seededRandom(Number(values.seed));
const candidates = [...split.test.keys()].sort();
for (let i = candidates.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
}
const users = candidates.slice(0, Number(values.users));
console.log(`${events.length} events, ${split.train.length} for training, ${split.test.size} people with hidden saves; asking for ${users.length}`);

cli('ingest', catalogue);
cli('encode');
cli('index');
const imported = JSON.parse(cli('events', 'import', trainFile, '--json')) as Record<string, unknown>;
console.log(`import: ${JSON.stringify({ ...imported, errors: (imported.errors as unknown[] | undefined)?.length ?? 0 })}`);

const port = Number(values.port);
const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--data', data], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
process.on('exit', () => server.kill('SIGKILL'));
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const up = await fetch(`${base}/api/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (i > 600) throw new Error('the server did not come up in 5 minutes');
  await new Promise((r) => setTimeout(r, 500));
}

const methods = ['default', ...FEED_METHODS.filter((m) => m !== 'blend')];
const rows: Record<string, { recall: number; ndcg: number; heavy: number; light: number; cold: number; p50Ms: number }> = {};
for (const method of methods) {
  const per = new Map<string, string[]>();
  const ms: number[] = [];
  for (const user of users) {
    const t = performance.now();
    const res = await fetch(`${base}/api/users/${encodeURIComponent(user)}/feed?k=${K}${method === 'default' ? '' : `&method=${method}`}`);
    ms.push(performance.now() - t);
    if (!res.ok) throw new Error(`feed of ${user} (${method}): ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { items: { id: string }[] };
    per.set(
      user,
      body.items.map((x) => x.id),
    );
  }
  const score = (test: Map<string, string[]>) => {
    const recalls: number[] = [];
    const ndcgs: number[] = [];
    for (const user of users) {
      const want = test.get(user);
      if (!want?.length) continue;
      const set = new Set(want);
      const hits = (per.get(user) ?? []).map((id) => set.has(id));
      recalls.push(recallAtK(hits, set.size, K));
      ndcgs.push(ndcgAtK(hits, set.size, K));
    }
    return { recall: mean(recalls), ndcg: mean(ndcgs) };
  };
  const all = score(split.test);
  ms.sort((a, b) => a - b);
  rows[method] = { ...all, heavy: score(slices.heavy).recall, light: score(slices.light).recall, cold: score(slices.cold).recall, p50Ms: ms[Math.floor(ms.length / 2)]! };
}
server.kill('SIGTERM');

const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4).replace(/^0/, '') : '-');
console.log(`\n| method (GET /api/users/:id/feed) | Recall@${K} | NDCG@${K} | heavy | light | cold items | p50 ms |\n| --- | --- | --- | --- | --- | --- | --- |`);
for (const [m, r] of Object.entries(rows)) console.log(`| ${m} | ${f(r.recall)} | ${f(r.ndcg)} | ${f(r.heavy)} | ${f(r.light)} | ${f(r.cold)} | ${r.p50Ms.toFixed(1)} |`);
const anchors = ['popular', 'cooc', 'ease', 'als'].map((m) => [m, rows[m]?.recall ?? 0] as const).sort((a, b) => b[1] - a[1]);
console.log(`default / strongest anchor (${anchors[0]![0]}): ${(rows.default!.recall / anchors[0]![1]).toFixed(2)}x`);
report('feed-served', { protocol: 'served-last-positive', catalogue, eventsFile, users: users.length, events: events.length, train: split.train.length, rows, imported });
