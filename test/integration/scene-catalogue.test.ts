import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { runMainJob } from '../../src/app/main-job.js';
import { startServer } from '../../src/server/runtime.js';
import { loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

// Shop the look on catalogue photos: `loupe encode --objects` detects once per photo and stores
// each object's vector; GET /api/items/:id/scene serves them without detecting.
await useFreshDatabase();

const work = tempDir('scene-catalogue');
const data = path.join(work, 'data');
// A photo of a person wearing the garment (garment regions), four product photos, and a blank
// photo the detector finds nothing in.
const WORN = '10cc325b-f31b-4acd-adcc-ed668da293bf';
const all = sampleRows();
const rows = [all.find((r) => r.id === WORN)!, ...all.filter((r) => r.id !== WORN).slice(0, 4)];
const BLANK = 'blank-grey';
const EXTRA = all.filter((r) => !rows.includes(r))[0]!;
const known = new Set([...rows.map((r) => r.id), BLANK, EXTRA.id]);

interface SceneBody {
  version: string;
  item?: string;
  width: number;
  height: number;
  note?: string;
  objects: { box: [number, number, number, number]; label: string; score: number; items: { id: string; score: number }[] }[];
}
interface ObjectsOut {
  versions: string[];
  scanned: number;
  objects: number;
  errors: { id: string; reason: string }[];
}

function catalogue(name: string, list: { id: string; image: string; label: string; group: string }[], blank = false): string {
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  const lines = list.map((r) => {
    fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
    return `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`;
  });
  if (blank) lines.push(`${BLANK},images/blank.png,Tshirts,none`);
  const file = path.join(work, name);
  fs.writeFileSync(file, ['id,image,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

let first: ObjectsOut;
let second: ObjectsOut;
let cliScene: SceneBody;
let run: Awaited<ReturnType<typeof startServer>>;
let base: string;

before(async () => {
  await sharp({ create: { width: 240, height: 320, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .png()
    .toFile(path.join(work, 'images-blank.png'));
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  fs.renameSync(path.join(work, 'images-blank.png'), path.join(work, 'images', 'blank.png'));
  assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue('items.csv', rows, true), '--data', data]).ingested, rows.length + 1);
  first = loupeJson<{ objects: ObjectsOut }>(['encode', '--objects', '--data', data]).objects;
  second = loupeJson<{ objects: ObjectsOut }>(['encode', '--objects', '--data', data]).objects;
  cliScene = loupeJson<SceneBody>(['search', '--item', WORN, '--objects', '-k', '3', '--data', data]);
  run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  base = run.server.url;
});
after(async () => run?.stop());

async function get(p: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${p}`);
  return { status: res.status, body: await res.json() };
}

test('encode --objects scans every photo once and stores the objects; a second run adds nothing', () => {
  assert.deepEqual(first.versions, ['generic']);
  assert.deepEqual(first.errors, []);
  assert.equal(first.scanned, rows.length + 1);
  assert.ok(first.objects >= 3, `objects stored: ${first.objects}`);
  assert.deepEqual({ scanned: second.scanned, objects: second.objects, errors: second.errors }, { scanned: 0, objects: 0, errors: [] });
});

test('GET /api/items/:id/scene serves the stored objects: the boxes a scene upload finds, matches other catalogue items', async () => {
  const res = await get(`/api/items/${WORN}/scene?k=3`);
  assert.equal(res.status, 200);
  const out = res.body as SceneBody;
  assert.equal(out.item, WORN);
  assert.equal(out.note, undefined);
  const meta = await sharp(fs.readFileSync(rows[0]!.image)).autoOrient().metadata();
  assert.deepEqual([out.width, out.height], [meta.width, meta.height]);
  assert.ok(
    ['upper body', 'lower body', 'feet'].every((l) => out.objects.some((o) => o.label === l)),
    JSON.stringify(out.objects.map((o) => o.label)),
  );
  for (const o of out.objects) {
    const [x, y, w, h] = o.box;
    assert.ok(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= out.width && y + h <= out.height, `${o.label} box ${o.box}`);
    assert.ok(o.score > 0 && o.score <= 1);
    assert.equal(o.items.length, 3);
    assert.ok(
      o.items.every((n) => known.has(n.id) && n.id !== WORN),
      `${o.label}: ${o.items.map((n) => n.id)}`,
    );
  }
  // The same photo uploaded finds the same boxes, and (less the item itself) the same matches.
  const up = await fetch(`${base}/api/search/scene?k=4`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: fs.readFileSync(rows[0]!.image) });
  const live = (await up.json()) as SceneBody;
  assert.deepEqual(
    live.objects.map((o) => [o.label, o.box]),
    out.objects.map((o) => [o.label, o.box]),
  );
  for (const [i, o] of out.objects.entries()) {
    assert.deepEqual(
      o.items.map((n) => n.id),
      live.objects[i]!.items.map((n) => n.id)
        .filter((id) => id !== WORN)
        .slice(0, 3),
    );
  }
  assert.deepEqual(cliScene, out, '`loupe search --item ID --objects` prints what the route serves');
  const expanded = (await get(`/api/items/${WORN}/scene?k=2&expand=1`)).body as { objects: { items: { id: string; item: { id: string } | null }[] }[] };
  assert.ok(expanded.objects.every((o) => o.items.every((n) => n.item?.id === n.id)));
});

test('a scanned photo with no object is served whole, with a note', async () => {
  const res = await get(`/api/items/${BLANK}/scene?k=2`);
  assert.equal(res.status, 200);
  const out = res.body as SceneBody;
  assert.match(out.note ?? '', /no object detected/);
  assert.deepEqual(
    out.objects.map((o) => [o.label, o.box]),
    [['whole photo', [0, 0, 240, 320]]],
  );
  assert.equal(out.objects[0]!.items.length, 2);
  assert.ok(out.objects[0]!.items.every((n) => known.has(n.id) && n.id !== BLANK));
});

test('an unscanned item is a 409 naming encode --objects; an unknown item is a 404', async () => {
  // One more item, ingested and encoded without --objects: it has a vector but no stored objects.
  assert.equal((await runMainJob(run.services, catalogue('extra.csv', [EXTRA]))).encode.encoded, 1);
  const unscanned = await get(`/api/items/${EXTRA.id}/scene`);
  assert.equal(unscanned.status, 409);
  assert.equal(unscanned.body.error.code, 'conflict');
  assert.match(unscanned.body.error.message, /loupe encode --objects/);
  // The item page asks with unscanned=empty: the same state as an answer, not an error.
  const asked = await get(`/api/items/${EXTRA.id}/scene?unscanned=empty`);
  assert.equal(asked.status, 200);
  assert.deepEqual([asked.body.scanned, asked.body.objects], [false, []]);
  assert.match(asked.body.note, /loupe encode --objects/);
  assert.equal((await get(`/api/items/no-such-item/scene?unscanned=empty`)).status, 404);
  const missing = await get('/api/items/no-such-item/scene');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
});

test('the OpenAPI document lists the item scene route', async () => {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/api/items/{id}/scene']?.get);
});
