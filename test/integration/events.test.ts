import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { dataPaths } from '../../src/config.js';
import { blendOf, DEFAULT_BLEND, DEFAULT_COLLAB_BLEND, MIN_VALIDATION_USERS, sameWeights, type BlendWeights } from '../../src/graph/blend.js';
import { generateShoppers } from '../../src/graph/synth/shoppers.js';
import { runMainJob } from '../../src/app/main-job.js';
import { openDb } from '../../src/store/db.js';
import { loadBlendWeights, saveBlendWeights } from '../../src/store/feed-blend.js';
import { tasteService } from '../../src/app/feed.js';
import { startServer } from '../../src/server/runtime.js';
import { loupe } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

/** 40 real photos: 10 each of four labels; sender ids as groups, plus one board across labels. */
const LABELS = ['Hat', 'Pants', 'Dress', 'T-Shirt'];
const work = tempDir('events');
const data = path.join(work, 'data');
const rows = LABELS.flatMap((l) =>
  sampleRows()
    .filter((r) => r.label === l)
    .slice(0, 10),
);
const ofLabel = (l: string) => rows.filter((r) => r.label === l).map((r) => r.id);
const labelOf = new Map(rows.map((r) => [r.id, r.label]));
const MIXED_BOARD = new Set([ofLabel('Hat')[9]!, ofLabel('Pants')[9]!, ofLabel('Dress')[9]!]);
const KEY = 'test-key';
const HATS_SAVED = ofLabel('Hat').slice(0, 4);
const [dress0, dress1] = ofLabel('Dress');

function writeCatalogue(): string {
  fs.mkdirSync(path.join(work, 'cat', 'images'), { recursive: true });
  const lines = rows.map((r) => {
    fs.copyFileSync(r.image, path.join(work, 'cat', 'images', path.basename(r.image)));
    const groups = [r.group, ...(MIXED_BOARD.has(r.id) ? ['board-mix'] : [])].join('|');
    return `${r.id},images/${path.basename(r.image)},${r.label} ${r.id.slice(0, 4)},${r.label},${groups}`;
  });
  const file = path.join(work, 'cat', 'items.csv');
  fs.writeFileSync(file, ['id,image,title,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

const cli = (...args: string[]) => loupe([...args, '--data', data]);

before(async () => {
  const run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: KEY });
  try {
    const result = await runMainJob(run.services, writeCatalogue());
    assert.equal(result.encode.encoded, rows.length);
  } finally {
    await run.stop();
  }
});

test('loupe events import: good rows land, bad rows are reported, a re-import counts nothing twice', () => {
  const csv = [
    'user,item,action,ts',
    ...HATS_SAVED.map((id, i) => `hat-lover,${id},save,2024-03-0${i + 1}T10:00:00Z`),
    `other,${dress0},view,1709287200000`,
    `other,${dress1},purchase,1709287300000`,
    'other,no-such-item,view,1709287200000',
    `other,${dress0},wink,1709287200000`,
    `other,${dress0},view,last tuesday`,
    `,${dress0},view,1709287200000`,
    `other,${dress0},view,1709287200000,extra`,
  ];
  const file = path.join(work, 'events.csv');
  fs.writeFileSync(file, csv.join('\n') + '\n');
  const first = cli('events', 'import', file, '--json');
  assert.equal(first.code, 0, first.stderr);
  const res = JSON.parse(first.stdout);
  assert.equal(res.imported, 6);
  assert.deepEqual(
    res.errors.map((e: { line: number; id: string | null }) => [e.line, e.id]),
    [
      [8, 'no-such-item'],
      [9, dress0],
      [10, dress0],
      [11, dress0],
      [12, null],
    ],
  );
  assert.match(res.errors[0].reason, /unknown item 'no-such-item'/);
  assert.match(res.errors[1].reason, /unknown action 'wink'/);
  assert.match(res.errors[2].reason, /bad ts/);
  assert.match(res.errors[3].reason, /missing user/);
  assert.match(res.errors[4].reason, /malformed CSV row/);

  const again = JSON.parse(cli('events', 'import', file, '--json').stdout);
  assert.deepEqual([again.imported, again.duplicates], [0, 6], 'deduplicated by (user, item, action, ts)');

  const jsonl = path.join(work, 'events.jsonl');
  fs.writeFileSync(jsonl, `{"user":"liker","item":"${dress1}","action":"like","ts":"2024-03-05"}\n{"user":"liker",\n`);
  const custom = JSON.parse(cli('events', 'import', jsonl, '--weights', 'like=2', '--json').stdout);
  assert.equal(custom.imported, 1);
  assert.match(custom.errors[0].reason, /malformed JSON/);
});

const WHY = /^(interest \d: like .+ you (saved|viewed|bought|clicked)|via board .+|people who engaged with .+ also engaged with this|looks like .+ you .+|found by walks from .+)$/;
let cliFeed: { user: string; items: { id: string; score: number; why: string }[] };

test('loupe feed: JSON shape, reasons, exclusion, the saved label first; popular and diverse for a stranger', () => {
  const out = cli('feed', 'hat-lover', '-k', '8', '--json');
  assert.equal(out.code, 0, out.stderr);
  cliFeed = JSON.parse(out.stdout);
  assert.equal(cliFeed.user, 'hat-lover');
  assert.equal(cliFeed.items.length, 8);
  for (const it of cliFeed.items) {
    assert.deepEqual(Object.keys(it).sort(), ['id', 'score', 'why']);
    assert.equal(typeof it.score, 'number');
    assert.match(it.why, WHY);
    assert.ok(!HATS_SAVED.includes(it.id), 'saved items never come back');
  }
  const top = cliFeed.items.slice(0, 5).map((i) => labelOf.get(i.id));
  assert.ok(top.filter((l) => l === 'Hat').length >= 4, `top 5: ${top.join(', ')}`);
  assert.match(cliFeed.items[0]!.why, /^interest 1: like Hat .+ you saved$|^via board|^looks like Hat/);

  const stranger = JSON.parse(cli('feed', 'stranger', '-k', '4', '--json').stdout);
  assert.equal(stranger.mode, 'popular');
  assert.equal(stranger.items[0].id, dress1, 'the most engaged item leads');
  assert.equal(new Set(stranger.items.map((i: { id: string }) => labelOf.get(i.id))).size, 4, 'one per label');
  assert.match(stranger.items[0].why, /^popular in Dress$/);
});

test('HTTP: users, feeds, and an event posted with the API key changes the feed at once', async (t) => {
  const run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: KEY });
  t.after(() => run.stop());
  const base = run.server.url;
  const get = async (url: string) => {
    const res = await fetch(base + url);
    return { status: res.status, body: await res.json() };
  };
  const post = async (body: string, key: string | null = KEY) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const res = await fetch(`${base}/api/events`, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() };
  };

  const users = await get('/api/users?limit=10');
  assert.deepEqual(users.body.users, [
    { id: 'hat-lover', events: 4 },
    { id: 'other', events: 2 },
    { id: 'liker', events: 1 },
  ]);
  assert.equal((await get('/api/users?limit=0')).status, 400);

  const feed = await get('/api/users/hat-lover/feed?k=8');
  assert.equal(feed.status, 200);
  assert.deepEqual(
    feed.body.items.map((i: { id: string }) => i.id),
    cliFeed.items.map((i) => i.id),
    'same feed as the CLI',
  );
  const expanded = await get('/api/users/hat-lover/feed?k=2&expand=1');
  assert.equal(expanded.body.items[0].item.id, expanded.body.items[0].id);
  assert.equal((await get('/api/users/hat-lover/feed?k=abc')).status, 400);
  assert.equal((await get('/api/users/hat-lover/feed?version=nope')).status, 404);

  const doc = await get('/api/openapi.json');
  assert.deepEqual(doc.body.paths['/api/events'].post.security, [{ bearer: [] }]);
  assert.ok(doc.body.paths['/api/users/{id}/feed'].get.parameters.some((p: { name: string }) => p.name === 'k'));

  const walk = await get(`/api/users/hat-lover/feed?k=10&method=walk`);
  assert.ok(walk.body.items.every((i: { why: string }) => WHY.test(i.why)));

  const pants = ofLabel('Pants').slice(2, 6);
  const ev = (item: string, i: number) => ({ user: 'hat-lover', item, action: 'purchase', ts: `2024-03-1${i}T10:00:00Z` });
  assert.equal((await post(JSON.stringify(ev(pants[0]!, 0)), null)).status, 401);
  assert.equal((await post(JSON.stringify(ev(pants[0]!, 0)), 'wrong')).status, 401);
  const malformed = await post('{"user": "hat-lover",');
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.error.message, /malformed JSON/);
  assert.equal((await post(JSON.stringify({ user: 'hat-lover', item: 42.5, action: ['save'] }))).status, 400);
  assert.equal((await post(JSON.stringify({ events: 'nope' }))).status, 400);
  assert.equal((await post('[1,2]')).status, 400);
  const unknown = await post(JSON.stringify({ events: [ev(pants[0]!, 0), ev('ghost-1', 1), ev('ghost-2', 2)] }));
  assert.equal(unknown.status, 422);
  assert.match(unknown.body.error.message, /ghost-1, ghost-2/);

  const seen: unknown[] = [];
  const unsubscribe = run.services.live.subscribe((e) => seen.push(e));
  const ok = await post(JSON.stringify({ events: pants.map(ev) }));
  unsubscribe();
  assert.deepEqual(ok.body, { recorded: 4, duplicates: 0 });
  assert.deepEqual(seen, [{ type: 'events', users: ['hat-lover'], count: 4 }]);
  const now = await get('/api/users/hat-lover/feed?k=8');
  const ids = now.body.items.map((i: { id: string }) => i.id);
  assert.notDeepEqual(
    ids,
    cliFeed.items.map((i) => i.id),
    'the feed moved',
  );
  assert.ok(!pants.some((h) => ids.includes(h)), 'just-bought pants are excluded');
  const count = (list: string[], label: string) => list.filter((id) => labelOf.get(id) === label).length;
  const beforeIds = cliFeed.items.map((i) => i.id);
  assert.ok(count(ids, 'Pants') >= 3 && count(ids, 'Pants') > count(beforeIds, 'Pants'), `pants now ${count(ids, 'Pants')}, before ${count(beforeIds, 'Pants')}`);
  assert.ok(count(ids, 'Hat') >= 1, 'the older taste keeps a place');
  assert.ok(
    now.body.items.some((i: { why: string }) => /you bought$/.test(i.why)),
    'explained by the purchases',
  );
  assert.deepEqual((await post(JSON.stringify({ events: pants.map(ev) }))).body, { recorded: 0, duplicates: 4 });
});

test('loupe events eval: says how the blend was weighted; served feeds use the weights stored for the version', async () => {
  const out = cli('events', 'eval', '--json');
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout) as { methods: Record<string, { recall: number }>; blend: { fitted: boolean; saved: boolean; validationUsers: number; note: string; weights: unknown } };
  assert.ok('blend' in report.methods);
  // Three users are far too few to fit on: the defaults are reported and nothing is stored.
  assert.deepEqual([report.blend.fitted, report.blend.saved], [false, false]);
  assert.ok(report.blend.validationUsers < MIN_VALIDATION_USERS);
  assert.match(report.blend.note, /not fitted/);
  // Enough events for the collaborative models: their defaults serve until a fit is stored.
  assert.ok(
    [DEFAULT_BLEND, DEFAULT_COLLAB_BLEND].some((w) => sameWeights(w, report.blend.weights as BlendWeights)),
    JSON.stringify(report.blend.weights),
  );

  const ids = (method: string) => (JSON.parse(cli('feed', 'hat-lover', '-k', '12', '--method', method, '--json').stdout) as { items: { id: string }[] }).items.map((i) => i.id);
  const multi = ids('multi');
  assert.notDeepEqual(ids('blend'), multi, 'the default blend lets walks in');
  const db = await openDb({ url: process.env.LOUPE_DB, dir: dataPaths(data).db });
  try {
    await saveBlendWeights(db, 'generic', blendOf('rank', { multi: 1 }), { users: 50, k: 20, recall: 0.5, ndcg: 0.4 });
  } finally {
    await db.close();
  }
  assert.deepEqual(ids('blend'), multi, 'stored weights with walks off: the blend is multi-interest');
});

test('loupe events import fits the blend for the catalogue at once; events eval reports the collaborative anchors beside every method', async () => {
  // Sixty seeded shoppers with hidden tastes over the same 40 photos, as an ordinary events file.
  const events = generateShoppers(
    rows.map((r) => ({ id: r.id, labels: [r.label] })),
    undefined,
    { people: 60, seed: 5 },
  );
  const file = path.join(work, 'shoppers.csv');
  fs.writeFileSync(file, ['user,item,action,ts', ...events.map((e) => `${e.user},${e.item},${e.action},${new Date(e.ts).toISOString()}`)].join('\n') + '\n');
  const imported = cli('events', 'import', file, '--json');
  assert.equal(imported.code, 0, imported.stderr);
  const result = JSON.parse(imported.stdout) as { imported: number; blend: { fitted: boolean; saved: boolean; weights: BlendWeights; validation: { recall: number } } };
  assert.equal(result.imported, events.length);
  assert.deepEqual([result.blend.fitted, result.blend.saved], [true, true], JSON.stringify(result.blend));
  assert.ok(result.blend.validation.recall > 0);

  const feed = JSON.parse(cli('feed', 'shopper-0001', '-k', '10', '--json').stdout) as { mode: string; items: { id: string; why: string }[] };
  assert.equal(feed.mode, 'personal');
  assert.equal(feed.items.length, 10);
  const engaged = new Set(events.filter((e) => e.user === 'shopper-0001').map((e) => e.item));
  assert.ok(feed.items.every((i) => !engaged.has(i.id) && i.why.length > 0));

  const out = cli('events', 'eval', '--protocol', 'last-positive', '--json');
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout) as { protocol: string; methods: Record<string, { recall: number; users: number }>; slices: { heavy: object; light: object; cold: { random: object } } };
  assert.equal(report.protocol, 'last-positive');
  for (const m of ['popular', 'cooc', 'ease', 'als', 'next', 'walk', 'multi', 'blend']) assert.ok(Number.isFinite(report.methods[m]!.recall), m);
  assert.ok(report.methods.ease!.recall > report.methods.multi!.recall, 'on behaviour the collaborative model beats looks');
  assert.ok(report.slices.heavy && report.slices.light && report.slices.cold.random);
  assert.equal(cli('events', 'eval', '--protocol', 'newest').code, 2);
});

test('HTTP: once enough new events arrive the models are retrained off the serving thread and the blend is refitted', async (t) => {
  const run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: KEY });
  t.after(() => run.stop());
  const before = await loadBlendWeights(run.services.db, 'generic');
  assert.ok(before, 'the import stored fitted weights');
  // Built engine first: the refit swaps weights into engines that serve.
  assert.equal((await fetch(`${run.server.url}/api/users/shopper-0001/feed?k=5`)).status, 200);
  const later = generateShoppers(
    rows.map((r) => ({ id: r.id, labels: [r.label] })),
    undefined,
    { people: 120, seed: 11 },
  ).map((e) => ({ user: `later-${e.user}`, item: e.item, action: e.action, ts: new Date(e.ts).toISOString() }));
  assert.ok(later.length >= 1000, `${later.length} events: enough to be due`);
  for (let i = 0; i < later.length; i += 500) {
    const res = await fetch(`${run.server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ events: later.slice(i, i + 500) }),
    });
    assert.equal(res.status, 200);
  }
  const taste = tasteService(run.services);
  const deadline = Date.now() + 180_000;
  while (taste.refits === 0 && Date.now() < deadline) {
    // The server keeps answering while the background work runs.
    assert.equal((await fetch(`${run.server.url}/api/health`)).status, 200);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(taste.refits >= 1, 'refitted in the background');
  const after = await loadBlendWeights(run.services.db, 'generic');
  assert.ok(after!.fittedAt > before!.fittedAt, 'new weights stored for the version');
});
