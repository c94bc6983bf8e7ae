import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runMainJob } from '../../src/app/main-job.js';
import { trainVersion } from '../../src/app/train.js';
import { startServer } from '../../src/server/runtime.js';
import { loupe } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// Real sample photos of the 16 biggest contributors (up to 6 each): groups are senders.
const work = tempDir('complete');
const bySender = new Map<string, ReturnType<typeof sampleRows>>();
for (const r of sampleRows()) (bySender.get(r.group) ?? bySender.set(r.group, []).get(r.group)!).push(r);
const rows = [...bySender.values()]
  .sort((a, b) => b.length - a.length || (a[0]!.group < b[0]!.group ? -1 : 1))
  .slice(0, 16)
  .flatMap((m) => m.slice(0, 6));
let run: Awaited<ReturnType<typeof startServer>>;
let base: string;
let trainedComplete: unknown;

before(async () => {
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
  const file = path.join(work, 'items.csv');
  fs.writeFileSync(file, ['id,image,labels,groups', ...rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`)].join('\n') + '\n');
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  base = run.server.url;
  assert.equal((await runMainJob(run.services, file)).encode.encoded, rows.length);
  const s = run.services;
  trainedComplete = (await trainVersion(s.db, s.paths, s.indexes, { name: 'v1', seed: 3 })).complete;
});
after(async () => run?.stop());

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + url);
  return { status: res.status, body: await res.json() };
}

test('loupe train trains the goes-with model; complete answers with reasons and never the query', async () => {
  assert.ok(trainedComplete, 'a catalogue with groups gets a goes-with model');
  const id = rows[0]!.id;
  const res = await getJson(`/api/items/${id}/complete?k=8`);
  assert.equal(res.status, 200);
  assert.equal(res.body.version, 'v1');
  assert.equal(res.body.item, id);
  assert.equal(res.body.items.length, 8);
  const ids = res.body.items.map((n: { id: string }) => n.id);
  assert.ok(!ids.includes(id), 'the query is excluded');
  assert.equal(new Set(ids).size, ids.length);
  for (const n of res.body.items) {
    assert.ok(Number.isFinite(n.score));
    assert.ok(typeof n.reason.text === 'string' && n.reason.text.length > 5, JSON.stringify(n.reason));
    assert.ok(['group', 'walk', 'like', 'colour', 'labels', 'model'].includes(n.reason.kind));
    if (n.reason.kind === 'group') assert.match(n.reason.text, new RegExp(rows[0]!.group));
  }
  // Items already together with it in a group come first (up to 6 photos per sender: 5 mates).
  const mates = rows.filter((r) => r.group === rows[0]!.group && r.id !== id).map((r) => r.id);
  assert.deepEqual(ids.slice(0, mates.length).sort(), [...mates].sort(), 'its group-mates lead');
  for (const n of res.body.items.slice(0, mates.length)) assert.equal(n.reason.kind, 'group');
  const scores = res.body.items.map((n: { score: number }) => n.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a: number, b: number) => b - a),
    'best first',
  );

  const expanded = await getJson(`/api/items/${id}/complete?k=3&expand=1`);
  assert.equal(expanded.body.items[0].item.id, expanded.body.items[0].id);

  // loupe eval (same report over HTTP): complete-the-group Recall@10 on the goes-with model's held-out groups.
  const ev = await getJson('/api/eval?version=v1');
  const c = ev.body.versions[0].complete;
  assert.ok(c && c.heldOutGroups > 0 && c.queries > 0, JSON.stringify(c));
  for (const m of [c.generic, c.goesWith, c.goesWithNoStep, c.seenTogether, c.colour]) assert.ok(m >= 0 && m <= 1);
  // The lift is over the strongest anchor, the palette one included.
  assert.ok(Math.abs(c.lift - c.goesWith / Math.max(c.generic, c.seenTogether, c.seenTogetherWalk, c.colour)) < 1e-9, JSON.stringify(c));
  // Every photo's colours were read once and kept by image hash (derived data beside the database).
  const cache = JSON.parse(fs.readFileSync(path.join(work, 'data', 'cache', 'colours.json'), 'utf8')) as { colours: Record<string, string> };
  assert.equal(Object.keys(cache.colours).length, new Set(rows.map((r) => r.image)).size);
  for (const packed of Object.values(cache.colours)) {
    const bins = [...Buffer.from(packed, 'base64')].map((b) => b / 255);
    assert.equal(bins.length, 64);
    assert.ok(Math.abs(bins.reduce((a, b) => a + b * b, 0) - 1) < 0.1, 'square roots of shares: unit length');
  }
  // One group per item: a held-out item has no visible group, so seen-together is generic neighbours.
  assert.equal(c.queriesWithVisibleGroups, 0);
  assert.equal(c.seenTogether, c.generic);
  // Nor anything two steps away: the walk anchor is seen-together, and the model gives the walk no weight.
  assert.equal(c.seenTogetherWalk, c.seenTogether);
  assert.equal(c.goesWithNoWalk, null);
});

test('complete: 404 for an unknown item or version, 400 for a bad k', async () => {
  assert.equal((await getJson('/api/items/no-such-item/complete')).status, 404);
  assert.equal((await getJson(`/api/items/${rows[0]!.id}/complete?version=nope`)).status, 404);
  assert.equal((await getJson(`/api/items/${rows[0]!.id}/complete?k=0`)).status, 400);
  assert.equal((await getJson(`/api/items/${rows[0]!.id}/complete?k=abc`)).status, 400);
  assert.equal((await getJson(`/api/items/${rows[0]!.id}/complete?version=generic`)).status, 409, 'generic has no goes-with model');
  const openapi = await getJson('/api/openapi.json');
  assert.ok(JSON.stringify(openapi.body).includes('/complete'), 'documented in the OpenAPI document');
});

test('loupe complete: usage errors exit 2', () => {
  const r = loupe(['complete', '--data', path.join(work, 'cli-data')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /exactly one <item-id>/);
  assert.equal(loupe(['complete', 'x', '-k', '0', '--data', path.join(work, 'cli-data')]).code, 2);
});
