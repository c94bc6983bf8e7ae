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

const work = tempDir('api');
const rows = sampleRows().slice(0, 30);
let run: Awaited<ReturnType<typeof startServer>>;
let base: string;

before(async () => {
  run = await startServer({ dataDir: path.join(work, 'data'), dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined, uploadBytes: 2_000_000 });
  base = run.server.url;
  const result = await runMainJob(run.services, writeSubsetCatalogue(work, rows.length));
  assert.equal(result.encode.encoded, rows.length);
});
after(async () => run?.stop());

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(base + url, init);
  return { status: res.status, body: await res.json() };
}

test('health, items paging and filters, one item', async () => {
  const health = await getJson('/api/health');
  assert.equal(health.status, 200);
  assert.deepEqual([health.body.status, health.body.items, health.body.version], ['ok', rows.length, 'generic']);

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: any } = await getJson(`/api/items?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200);
    assert.ok(page.body.items.length <= 7);
    seen.push(...page.body.items.map((i: { id: string }) => i.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, rows.map((r) => r.id).sort(), 'keyset paging visits every item once, in id order');

  const label = rows[0]!.label;
  const filtered = await getJson(`/api/items?label=${encodeURIComponent(label)}&limit=200`);
  assert.deepEqual(
    filtered.body.items.map((i: { id: string }) => i.id).sort(),
    rows
      .filter((r) => r.label === label)
      .map((r) => r.id)
      .sort(),
  );

  const one = await getJson(`/api/items/${rows[0]!.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.id, rows[0]!.id);
  assert.deepEqual(one.body.labels, [rows[0]!.label]);
  assert.match(one.body.image.thumb, /^\/thumbs\/[0-9a-f]{64}$/);
});

test('similar over HTTP: same JSON as the CLI, expand adds item views, bad params are 4xx', async () => {
  const id = rows[1]!.id;
  const res = await getJson(`/api/items/${id}/similar?k=5`);
  assert.equal(res.status, 200);
  assert.equal(res.body.version, 'generic');
  assert.equal(res.body.items.length, 5);
  assert.deepEqual(Object.keys(res.body.items[0]).sort(), ['id', 'score']);
  assert.ok(!res.body.items.some((n: { id: string }) => n.id === id));
  const expanded = await getJson(`/api/items/${id}/similar?k=3&expand=1`);
  assert.equal(expanded.body.items[0].item.id, expanded.body.items[0].id);

  assert.equal((await getJson(`/api/items/${id}/similar?k=abc`)).status, 400);
  assert.equal((await getJson(`/api/items/${id}/similar?k=0`)).status, 400);
  const unknownItem = await getJson('/api/items/nope/similar');
  assert.equal(unknownItem.status, 404);
  assert.equal(unknownItem.body.error.code, 'not_found');
  assert.equal((await getJson(`/api/items/${id}/similar?version=nope`)).status, 404);
  assert.equal((await getJson('/api/items/nope')).status, 404);
  assert.equal((await getJson('/api/nothing-here')).status, 404);
});

test('image search: raw body and multipart find the photo; limits give 413/422/400', async () => {
  const photo = fs.readFileSync(rows[2]!.image);
  const raw = await getJson('/api/search/image?k=3', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: photo });
  assert.equal(raw.status, 200);
  assert.equal(raw.body.items[0].id, rows[2]!.id);

  const form = new FormData();
  form.set('image', new Blob([photo], { type: 'image/jpeg' }), 'query.jpg');
  const multi = await getJson('/api/search/image?k=3', { method: 'POST', body: form });
  assert.equal(multi.status, 200);
  assert.equal(multi.body.items[0].id, rows[2]!.id);

  const huge = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(3_000_000) });
  assert.equal(huge.status, 413);
  assert.equal(huge.body.error.code, 'too_large');
  for (let i = 0; i < 3; i++) {
    const far = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(30_000_000) });
    assert.equal(far.status, 413, 'a body far over the limit still gets its answer, not a reset connection');
  }

  const bomb = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: '#888' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  assert.ok(bomb.length < 2_000_000);
  const tooManyPixels = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bomb });
  assert.equal(tooManyPixels.status, 413);
  assert.match(tooManyPixels.body.error.message, /MP/);

  const notImage = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: 'plain text' });
  assert.equal(notImage.status, 422);
  const truncated = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: photo.subarray(0, photo.length >> 1) });
  assert.equal(truncated.status, 422);
  const wrongType = await getJson('/api/search/image', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(wrongType.status, 400);
});

test('thumbnails and originals are served with immutable caching and ETags', async () => {
  const item = (await getJson(`/api/items/${rows[0]!.id}`)).body;
  const thumb = await fetch(base + item.image.thumb);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/webp');
  assert.match(thumb.headers.get('cache-control') ?? '', /immutable/);
  const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
  assert.ok(meta.width! <= 384 && meta.height! <= 384);
  const again = await fetch(base + item.image.thumb, { headers: { 'if-none-match': thumb.headers.get('etag')! } });
  assert.equal(again.status, 304);
  const original = await fetch(base + item.image.url);
  assert.equal(original.status, 200);
  assert.equal(Buffer.compare(Buffer.from(await original.arrayBuffer()), fs.readFileSync(rows[0]!.image)), 0, 'original bytes served unchanged');
  assert.equal((await fetch(`${base}/images/${'0'.repeat(64)}`)).status, 404);
  assert.equal((await fetch(`${base}/thumbs/..%2F..%2Fetc%2Fpasswd`)).status, 404);
});

test('refuses a non-loopback bind without an API key', async () => {
  await assert.rejects(startServer({ dataDir: path.join(work, 'other'), dbUrl: undefined, port: 0, host: '0.0.0.0', apiKey: undefined }), /without an API key/);
});

test('whole-catalogue counts are kept between requests and dropped when the data changes', async () => {
  await run.services.counts.ready;
  const labelCount = (body: { labels: { label: string; count: number }[] }) => body.labels.find((l) => l.label === 'zz-kept-count')?.count ?? 0;
  const before = await getJson('/api/stats');
  assert.equal(labelCount(before.body), 0);
  assert.deepEqual((await getJson('/api/stats')).body, before.body, 'the same answer from the kept counts');
  const versions = (await getJson('/api/versions')).body.versions as { name: string; count: number }[];
  assert.equal(versions.find((v) => v.name === 'generic')?.count, rows.length);

  const db = run.services.db;
  await db.query(`UPDATE items SET labels = array_append(labels, 'zz-kept-count') WHERE id = (SELECT min(id) FROM items)`);
  try {
    // The change notice arrives after the commit; the next answers count the new label.
    let after = 0;
    for (let i = 0; i < 50 && after !== 1; i++) {
      after = labelCount((await getJson('/api/stats')).body);
      if (after !== 1) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(after, 1, 'a label written after the counts were kept shows up');
  } finally {
    await db.query(`UPDATE items SET labels = array_remove(labels, 'zz-kept-count')`);
  }
});
