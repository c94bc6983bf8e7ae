import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runMainJob } from '../../src/app/main-job.js';
import { trainVersion } from '../../src/app/train.js';
import { Rng } from '../../src/embedding/random.js';
import { startServer } from '../../src/server/runtime.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// Real sample photos in "rooms" where products recur: 12 hidden styles of 8 photos; each of 150 rooms
// shows 4 photos of one style, popular ones more often. No room says which style it is.
const work = tempDir('complete-rooms');
const photos = sampleRows().slice(0, 96);
const rng = new Rng(5);
const rooms = photos.map(() => [] as string[]);
for (let r = 0; r < 150; r++) {
  const style = rng.int(12);
  const room = new Set<number>();
  while (room.size < 4) room.add(style * 8 + Math.min(7, Math.floor(8 * rng.next() ** 2)));
  for (const i of room) rooms[i]!.push(`room:${r}`);
}
let run: Awaited<ReturnType<typeof startServer>>;
let base: string;

before(async () => {
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const r of photos) fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
  const file = path.join(work, 'items.csv');
  fs.writeFileSync(file, ['id,image,labels,groups', ...photos.map((r, i) => `${r.id},images/${path.basename(r.image)},${r.label},${rooms[i]!.join('|')}`)].join('\n') + '\n');
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  base = run.server.url;
  assert.equal((await runMainJob(run.services, file)).encode.encoded, photos.length);
  await trainVersion(run.services.db, run.services.paths, run.services.indexes, { name: 'v1', seed: 3 });
});
after(async () => run?.stop());

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(base + url);
  return { status: res.status, body: await res.json() };
}

test('goes-with in rooms: the group walk is weighed on the dev rooms, scored in loupe eval beside its own anchor, and served with its reason', async () => {
  const c = (await getJson('/api/eval?version=v1')).body.versions[0].complete;
  assert.ok(c.queriesWithVisibleGroups > 0, JSON.stringify(c));
  // Held-out room-mates that share no visible room with the query are reached through their styles' other rooms.
  assert.ok(c.seenTogetherWalk > c.seenTogether, JSON.stringify(c));
  assert.ok(c.goesWithNoWalk !== null && c.goesWith > c.goesWithNoWalk, JSON.stringify(c));
  assert.ok(Math.abs(c.lift - c.goesWith / Math.max(c.generic, c.seenTogether, c.seenTogetherWalk, c.colour)) < 1e-9);

  // Served: items in a room with the query first, then what its room-mates' other rooms show, each saying so.
  // A rarely shown photo: few room-mates, so its style's other photos are left for the walk.
  const mates = (i: number) => new Set(rooms.flatMap((gs, j) => (j !== i && gs.some((g) => rooms[i]!.includes(g)) ? [j] : [])));
  const shown = photos.map((_, i) => i).filter((i) => rooms[i]!.length > 0);
  const q = shown.reduce((a, b) => (mates(b).size < mates(a).size ? b : a));
  const res = await getJson(`/api/items/${photos[q]!.id}/complete?k=10`);
  assert.equal(res.status, 200);
  const kinds = res.body.items.map((n: { reason: { kind: string } }) => n.reason.kind);
  const firstOther = kinds.findIndex((k: string) => k !== 'group');
  assert.ok(firstOther > 0 && kinds.slice(firstOther).every((k: string) => k !== 'group'), kinds.join(','));
  const walked = res.body.items.find((n: { reason: { kind: string } }) => n.reason.kind === 'walk');
  assert.ok(walked, kinds.join(','));
  const via = photos.findIndex((r) => r.id === walked.reason.via);
  assert.ok(
    rooms[via]!.some((g) => rooms[q]!.includes(g)),
    'the item between them shares a room with the query',
  );
  assert.ok(rooms[via]!.includes(walked.reason.group), 'and the named room with the result');
  assert.match(walked.reason.text, /^together in room:\d+ with .*, which is with this item in room:\d+$/);
});
