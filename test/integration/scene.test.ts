import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { runMainJob } from '../../src/app/main-job.js';
import { startServer } from '../../src/server/runtime.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

const work = tempDir('scene');
const rows = sampleRows().slice(0, 30);
// A bundled sample photo of a person wearing the garment (the detector finds a person in it).
const WORN = path.resolve('examples/clothing-sample/images/10cc325b-f31b-4acd-adcc-ed668da293bf.jpg');
let run: Awaited<ReturnType<typeof startServer>>;
let base: string;

before(async () => {
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  base = run.server.url;
  const result = await runMainJob(run.services, writeSubsetCatalogue(work, rows.length));
  assert.equal(result.encode.encoded, rows.length);
});
after(async () => run?.stop());

interface SceneBody {
  version: string;
  width: number;
  height: number;
  note?: string;
  objects: { box: [number, number, number, number]; label: string; score: number; items: { id: string; score: number }[] }[];
}

async function scene(query: string, body: BodyInit, type = 'image/jpeg'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/search/scene${query}`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, body: await res.json() };
}

test('scene search: a photo of a person gives garment regions inside the photo, each with its own matches', async () => {
  const photo = fs.readFileSync(WORN);
  const meta = await sharp(photo).metadata();
  const res = await scene('?k=5', photo);
  assert.equal(res.status, 200);
  const out = res.body as SceneBody;
  assert.deepEqual([out.width, out.height], [meta.width, meta.height]);
  assert.equal(out.note, undefined);
  assert.ok(out.objects.length >= 3, JSON.stringify(out.objects.map((o) => o.label)));
  assert.ok(['upper body', 'lower body', 'feet'].every((l) => out.objects.some((o) => o.label === l)));
  const known = new Set(rows.map((r) => r.id));
  for (const o of out.objects) {
    const [x, y, w, h] = o.box;
    assert.ok(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= out.width && y + h <= out.height, `${o.label} box ${o.box} inside ${out.width}x${out.height}`);
    assert.ok(o.score > 0 && o.score <= 1);
    assert.equal(o.items.length, 5, `${o.label} gets its items`);
    assert.ok(o.items.every((n) => known.has(n.id)));
  }
  const lists = out.objects.map((o) => o.items.map((n) => n.id).join());
  assert.ok(new Set(lists).size > 1, 'regions of one photo do not all return the same list');
});

test('scene search: a drawn box is searched alone; the whole photo of a catalogue item as the box finds that item', async () => {
  const r = rows[3]!;
  const photo = fs.readFileSync(r.image);
  const meta = await sharp(photo).autoOrient().metadata();
  const res = await scene(`?k=3&box=0,0,${meta.width},${meta.height}`, photo);
  assert.equal(res.status, 200);
  const out = res.body as SceneBody;
  assert.equal(out.objects.length, 1);
  assert.deepEqual(out.objects[0]!.box, [0, 0, meta.width, meta.height]);
  assert.equal(out.objects[0]!.items[0]!.id, r.id);
  assert.ok(out.objects[0]!.items[0]!.score > 0.99);
  const expanded = (await scene(`?k=3&expand=1&box=0,0,${meta.width},${meta.height}`, photo)).body as SceneBody & { objects: { items: { item?: { id: string } }[] }[] };
  assert.equal(expanded.objects[0]!.items[0]!.item?.id, r.id, 'expand=1 adds item views for the page');

  const form = new FormData();
  form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'q.jpg');
  form.append('box', '10,10,50,60');
  const multi = await fetch(`${base}/api/search/scene?k=2`, { method: 'POST', body: form });
  const mbody = (await multi.json()) as SceneBody;
  assert.equal(multi.status, 200);
  assert.deepEqual(mbody.objects[0]!.box, [10, 10, 50, 60]);
  assert.equal(mbody.objects[0]!.items.length, 2);
});

test('scene search: a photo with nothing to detect falls back to the whole photo with a note', async () => {
  const blank = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .png()
    .toBuffer();
  const res = await scene('?k=4', blank, 'image/png');
  assert.equal(res.status, 200);
  const out = res.body as SceneBody;
  assert.match(out.note ?? '', /no object detected/);
  assert.equal(out.objects.length, 1);
  assert.deepEqual(out.objects[0]!.box, [0, 0, 200, 150]);
  assert.equal(out.objects[0]!.items.length, 4);
});

test('scene search: a box outside the photo or not four numbers is a 400 naming the box', async () => {
  const photo = fs.readFileSync(WORN);
  const meta = await sharp(photo).metadata();
  const outside = await scene(`?box=10,10,${meta.width},20`, photo);
  assert.equal(outside.status, 400);
  assert.equal(outside.body.error.code, 'bad_request');
  assert.match(outside.body.error.message, /^box: .*not inside the \d+x\d+ photo/);
  const malformed = await scene('?box=1,2,3', photo);
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.error.message, /box/);
  const empty = await scene('?box=0,0,0,5', photo);
  assert.equal(empty.status, 400);
  assert.match(empty.body.error.message, /^box: /);
});

test('the OpenAPI document lists the scene route', async () => {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/api/search/scene']?.post);
});
