import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runMainJob } from '../../src/app/main-job.js';
import { trainVersion } from '../../src/app/train.js';
import { Rng } from '../../src/embedding/random.js';
import { startServer } from '../../src/server/runtime.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { freshDbUrl, useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

/**
 * Rooms where products recur: `styles` hidden styles of `per` products; each room shows 4 products of
 * one style, popular ones more often. No room says which style it is. groupsOf[i] = product i's rooms.
 */
function generateRooms(seed: number, styles: number, per: number, count: number): string[][] {
  const rng = new Rng(seed);
  const rooms = Array.from({ length: styles * per }, () => [] as string[]);
  for (let r = 0; r < count; r++) {
    const style = rng.int(styles);
    const room = new Set<number>();
    while (room.size < 4) room.add(style * per + Math.min(per - 1, Math.floor(per * rng.next() ** 2)));
    for (const i of room) rooms[i]!.push(`room:${r}`);
  }
  return rooms;
}

/** A data dir with one catalogue row per product (photo i of `photos`), trained as version v1. */
async function roomsCatalogue(name: string, photos: readonly string[], rooms: readonly string[][]) {
  const work = tempDir(name);
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const p of new Set(photos)) fs.copyFileSync(p, path.join(work, 'images', path.basename(p)));
  const file = path.join(work, 'items.csv');
  fs.writeFileSync(file, ['id,image,groups', ...photos.map((p, i) => `p${i},images/${path.basename(p)},${rooms[i]!.join('|')}`)].join('\n') + '\n');
  // A database of its own on the PostgreSQL tier: the two catalogues share product ids.
  const run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: await freshDbUrl(), port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  assert.equal((await runMainJob(run.services, file)).ingest.ingested, photos.length);
  await trainVersion(run.services.db, run.services.paths, run.services.indexes, { name: 'v1', seed: 3 });
  const get = async (url: string) => {
    const res = await fetch(run.server.url + url);
    return { status: res.status, body: (await res.json()) as any };
  };
  return { run, get };
}

// Real, distinct photos: looks can tell the products apart, so the model can learn each one's rooms.
const distinctRooms = generateRooms(5, 30, 10, 150);
const distinctPhotos = sampleRows()
  .slice(0, 300)
  .map((r) => r.image);
// One real photo for every product (a shop's placeholder image): looks say nothing, the rooms say it all.
const samePhoto = sampleRows()[0]!.image;
const placeholderRooms = generateRooms(6, 8, 8, 60);
let distinct: Awaited<ReturnType<typeof roomsCatalogue>>;
let placeholder: Awaited<ReturnType<typeof roomsCatalogue>>;

before(async () => {
  distinct = await roomsCatalogue('rooms-distinct', distinctPhotos, distinctRooms);
  placeholder = await roomsCatalogue(
    'rooms-placeholder',
    placeholderRooms.map(() => samePhoto),
    placeholderRooms,
  );
});
after(async () => {
  await distinct?.run.stop();
  await placeholder?.run.stop();
});

test('goes-with in rooms: loupe eval scores the walk anchor, and the trained model beats every anchor', async () => {
  const c = (await distinct.get('/api/eval?version=v1')).body.versions[0].complete;
  assert.ok(c.queriesWithVisibleGroups > 0, JSON.stringify(c));
  // Held-out room-mates that share no visible room with the query are reached through their styles' other rooms.
  assert.ok(c.seenTogetherWalk > c.seenTogether, JSON.stringify(c));
  assert.ok(Math.abs(c.lift - c.goesWith / Math.max(c.generic, c.seenTogether, c.seenTogetherWalk, c.colour)) < 1e-9);
  // The fit sees each product's visible rooms (a product of a held-out room keeps its other rooms), so it learns the styles.
  assert.ok(c.lift > 1, JSON.stringify(c));
});

test('goes-with in rooms: where looks say nothing, the dev rooms weigh the walk, and served results say which item links them', async () => {
  const c = (await placeholder.get('/api/eval?version=v1')).body.versions[0].complete;
  assert.ok(c.goesWithNoWalk !== null && c.goesWith > c.goesWithNoWalk, JSON.stringify(c));
  // A rarely shown product: few room-mates, so its style's other products are left for the walk.
  const rooms = placeholderRooms;
  const mates = (i: number) => new Set(rooms.flatMap((gs, j) => (j !== i && gs.some((g) => rooms[i]!.includes(g)) ? [j] : [])));
  const shown = rooms.map((_, i) => i).filter((i) => rooms[i]!.length > 0);
  const q = shown.reduce((a, b) => (mates(b).size < mates(a).size ? b : a));
  const res = await placeholder.get(`/api/items/p${q}/complete?k=10`);
  assert.equal(res.status, 200);
  const kinds = res.body.items.map((n: { reason: { kind: string } }) => n.reason.kind);
  // Items in a room with it first, then what its room-mates' other rooms show.
  const firstOther = kinds.findIndex((k: string) => k !== 'group');
  assert.equal(firstOther, mates(q).size, kinds.join(','));
  const walked = res.body.items.find((n: { reason: { kind: string } }) => n.reason.kind === 'walk');
  assert.ok(walked, kinds.join(','));
  const via = Number(walked.reason.via.slice(1));
  assert.ok(
    rooms[via]!.some((g) => rooms[q]!.includes(g)),
    'the item between them shares a room with the query',
  );
  assert.ok(rooms[via]!.includes(walked.reason.group) && rooms[Number(walked.id.slice(1))]!.includes(walked.reason.group), 'and the named room with the result');
  assert.match(walked.reason.text, /^together in room:\d+ with p\d+, which is with this item in room:\d+$/);
});
