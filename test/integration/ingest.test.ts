import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { ingestCatalogue, type IngestResult, type RowError } from '../../src/catalog/ingest.js';
import { dataPaths, type DataPaths } from '../../src/config.js';
import { openDb, type Db } from '../../src/store/db.js';
import { countItems, getItem } from '../../src/store/items.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

const SAMPLE = path.resolve('examples/clothing-sample');
const PHOTOS = fs
  .readdirSync(path.join(SAMPLE, 'images'))
  .filter((f) => f.endsWith('.jpg'))
  .sort();
const photo = (i: number) => path.join(SAMPLE, 'images', PHOTOS[i] as string);

let root: string;
let paths: DataPaths;
let db: Db;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-ingest-'));
  paths = dataPaths(path.join(root, 'data'));
  db = await openDb({ dir: paths.db });
});

after(async () => {
  await db?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** CSV cell quoting for building fixtures. */
const q = (s: string) => (/[",\n|]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function expectErrors(result: IngestResult, expected: { line: number; id: string | null; reason: RegExp }[]) {
  assert.deepEqual(
    result.errors.map((e: RowError) => ({ line: e.line, id: e.id })),
    expected.map((e) => ({ line: e.line, id: e.id })),
  );
  expected.forEach((e, i) => assert.match(result.errors[i]?.reason ?? '', e.reason, `line ${e.line}`));
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)) : [];
}

describe('CSV catalogue with good and bad records', () => {
  let cat: string;
  let csv: string;
  let goodIds: string[];
  let expected: { line: number; id: string | null; reason: RegExp }[];

  before(async () => {
    cat = path.join(root, 'shop');
    const img = path.join(cat, 'images');
    fs.mkdirSync(img, { recursive: true });
    for (let i = 0; i < 40; i++) fs.copyFileSync(photo(i), path.join(img, `p${i}.jpg`));
    // Bad files, all made from real photos.
    const real = fs.readFileSync(photo(40));
    fs.writeFileSync(path.join(img, 'empty.jpg'), '');
    fs.writeFileSync(path.join(img, 'truncated.jpg'), real.subarray(0, Math.floor(real.length / 2)));
    const corrupt = Buffer.from(real);
    for (let i = corrupt.length >> 1; i < (corrupt.length >> 1) + 2000; i++) corrupt[i] = (i * 37) & 0xff;
    fs.writeFileSync(path.join(img, 'corrupt.jpg'), corrupt);
    fs.writeFileSync(path.join(img, 'notes.jpg'), 'these are my shopping notes, not a photo\n');
    await sharp({ create: { width: 8000, height: 7000, channels: 3, background: '#c0ffee' } })
      .png()
      .toFile(path.join(img, 'huge.png'));
    await sharp(photo(41)).png().toFile(path.join(img, 'really-png.jpg'));
    fs.mkdirSync(path.join(root, 'outside'), { recursive: true });
    fs.copyFileSync(photo(42), path.join(root, 'outside', 'secret.jpg'));
    fs.symlinkSync(path.join(root, 'outside', 'secret.jpg'), path.join(img, 'link.jpg'));
    fs.symlinkSync(path.join(img, 'p0.jpg'), path.join(img, 'inside-link.jpg'));

    const lines = ['id,image,title,description,labels,groups,price,colour,sku'];
    goodIds = [];
    expected = [];
    let nextLine = 2;
    const add = (cells: string) => {
      lines.push(cells);
      const start = nextLine;
      nextLine += cells.split('\n').length;
      return start; // the record's first physical line
    };
    const good = (id: string, image: string, extra = ',,,,,,,') => {
      add(`${id},${image}${extra}`);
      goodIds.push(id);
    };
    const bad = (id: string | null, cells: string, reason: RegExp) => {
      expected.push({ line: add(cells), id, reason });
    };

    good('p0', 'images/p0.jpg', `,Linen blazer,${q('Soft\nand "light"')},${q('Blazer|Linen')},${q('["summer","office"]')},19.90,navy,00123`);
    for (let i = 1; i < 20; i++) good(`p${i}`, `images/p${i}.jpg`, `,Item ${i},,Top,,${i},,`);
    bad('empty', 'empty,images/empty.jpg,,,,,,,', /images\/empty\.jpg: empty file/);
    bad('trunc', 'trunc,images/truncated.jpg,,,,,,,', /truncated/);
    bad('corrupt', 'corrupt,images/corrupt.jpg,,,,,,,', /corrupt/i);
    bad('notes', 'notes,images/notes.jpg,,,,,,,', /not an image/);
    bad('huge', 'huge,images/huge.png,,,,,,,', /8000x7000 \(56\.0 MP\), over the 50 MP limit/);
    bad('missing', 'missing,images/nope.jpg,,,,,,,', /image file not found: images\/nope\.jpg/);
    bad('escape', 'escape,../outside/secret.jpg,,,,,,,', /escapes the catalogue's folder/);
    bad('absolute', `absolute,${path.join(root, 'outside', 'secret.jpg')},,,,,,,`, /is absolute/);
    bad('symlink', 'symlink,images/link.jpg,,,,,,,', /symlink that resolves outside/);
    bad('p3', 'p3,images/p21.jpg,,,,,,,', /duplicate id 'p3' \(first on line \d+\)/);
    bad(null, ',images/p22.jpg,No id,,,,,,', /missing id/);
    bad('noimage', 'noimage,,No image,,,,,,', /missing image/);
    bad('badlabels', `badlabels,images/p23.jpg,,,${q('["a", "b"')},,,,`, /labels is not valid JSON/);
    bad('wide', 'wide,images/p24.jpg,,,,,,,,extra', /malformed CSV row: 10 fields, the header has 9/);
    for (let i = 25; i < 40; i++) good(`p${i}`, `images/p${i}.jpg`, `,"Quoted, title ${i}",,Dress,${q('room-a|room-b')},,red,`);
    good('png', 'images/really-png.jpg');
    good('inside-link', 'images/inside-link.jpg');
    bad('unclosed', 'unclosed,images/p20.jpg,"never closed,,,,,,', /malformed CSV quoting: a quote opened here is never closed/);
    lines.push('late,images/p21.jpg,,,,,,,');
    csv = path.join(cat, 'items.csv');
    fs.writeFileSync(csv, lines.join('\n') + '\n');
  });

  test('good rows land; every bad row is reported with its line, id and reason', async () => {
    const result = await ingestCatalogue(db, paths, csv);
    expectErrors(result, expected);
    assert.equal(result.ingested, goodIds.length);
    assert.equal(result.updated, 0);
    assert.equal(result.unchanged, 0);
    assert.equal(await countItems(db), goodIds.length);
    for (const id of goodIds) assert.ok(await getItem(db, id), `item ${id} stored`);
    assert.equal(await getItem(db, 'late'), null, 'rows swallowed by the unclosed quote do not land');
  });

  test('fields, labels, groups and attrs are parsed as documented', async () => {
    const p0 = await getItem(db, 'p0');
    assert.ok(p0);
    assert.equal(p0.title, 'Linen blazer');
    assert.equal(p0.description, 'Soft\nand "light"');
    assert.deepEqual(p0.labels, ['Blazer', 'Linen']);
    assert.deepEqual(p0.groups, ['summer', 'office']);
    assert.deepEqual(p0.attrs, { price: 19.9, colour: 'navy', sku: '00123' });
    assert.equal(p0.source, csv);
    const p30 = await getItem(db, 'p30');
    assert.equal(p30?.title, 'Quoted, title 30');
    assert.deepEqual(p30?.groups, ['room-a', 'room-b']);
    assert.deepEqual(p30?.attrs, { colour: 'red' });
    const p5 = await getItem(db, 'p5');
    assert.deepEqual(p5?.attrs, { price: 5 });
    assert.equal(p5?.description, null);
  });

  test('images are stored content-addressed with a WebP thumbnail, ext from the real format', async () => {
    const png = await getItem(db, 'png');
    assert.ok(png);
    const [img] = await db.query<{ ext: string; width: number; height: number }>('SELECT ext, width, height FROM images WHERE hash = $1', [png.imageHash]);
    assert.deepEqual(img, { ext: 'png', width: 300, height: 400 });
    const original = path.join(paths.images, png.imageHash.slice(0, 2), `${png.imageHash}.png`);
    const thumb = path.join(paths.thumbs, png.imageHash.slice(0, 2), `${png.imageHash}.webp`);
    assert.ok(fs.existsSync(original));
    assert.equal((await sharp(thumb).metadata()).format, 'webp');
    // p0 and inside-link share bytes, so they share one image.
    assert.equal((await getItem(db, 'inside-link'))?.imageHash, (await getItem(db, 'p0'))?.imageHash);
    const [{ n }] = (await db.query<{ n: string }>('SELECT count(*) AS n FROM images')) as [{ n: string }];
    assert.equal(Number(n), goodIds.length - 1);
    const all = [...filesUnder(paths.images), ...filesUnder(paths.thumbs)];
    assert.equal(all.filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left behind');
    assert.equal(all.filter((f) => f.endsWith('.webp')).length, goodIds.length - 1);
  });

  test('re-ingesting the same catalogue is idempotent', async () => {
    const result = await ingestCatalogue(db, paths, csv);
    assert.deepEqual({ ...result, errors: result.errors.length }, { ingested: 0, updated: 0, unchanged: goodIds.length, errors: expected.length });
    assert.equal(await countItems(db), goodIds.length);
  });

  test('a changed image is reported updated and its stale embeddings are tombstoned', async () => {
    await db.query(`INSERT INTO versions (name, kind, encoder, dims) VALUES ('test-v', 'generic', 'test-encoder', 3)`);
    const before7 = await getItem(db, 'p7');
    const before8 = await getItem(db, 'p8');
    assert.ok(before7 && before8);
    for (const item of [before7, before8]) {
      await db.query(`INSERT INTO embeddings (item_id, version, image_hash, vec) VALUES ($1, 'test-v', $2, '[1,2,3]')`, [item.id, item.imageHash]);
    }
    fs.copyFileSync(photo(100), path.join(cat, 'images', 'p7.jpg'));
    fs.writeFileSync(csv, fs.readFileSync(csv, 'utf8').replace('p8,images/p8.jpg,Item 8,', 'p8,images/p8.jpg,Item eight,'));

    const result = await ingestCatalogue(db, paths, csv);
    assert.deepEqual({ ...result, errors: result.errors.length }, { ingested: 0, updated: 2, unchanged: goodIds.length - 2, errors: expected.length });
    const after7 = await getItem(db, 'p7');
    assert.notEqual(after7?.imageHash, before7.imageHash);
    assert.equal((await getItem(db, 'p8'))?.title, 'Item eight');
    const left = await db.query<{ item_id: string }>(`SELECT item_id FROM embeddings WHERE version = 'test-v' ORDER BY item_id`);
    assert.deepEqual(
      left.map((r) => r.item_id),
      ['p8'],
      'only the item whose image changed loses its vector',
    );
    const tombs = await db.query<{ item_id: string; version: string }>('SELECT item_id, version FROM tombstones');
    assert.deepEqual(tombs, [{ item_id: 'p7', version: 'test-v' }]);
    assert.equal(await countItems(db), goodIds.length);
  });

  test('a lower --max-pixels refuses images even when their bytes are already stored', async () => {
    const small = path.join(cat, 'small.jsonl');
    fs.writeFileSync(small, ['{"id":"s1","image":"images/p1.jpg"}', '{"id":"s2","image":"images/p2.jpg"}'].join('\n'));
    const result = await ingestCatalogue(db, paths, small, { maxPixels: 100_000 });
    assert.equal(result.ingested, 0);
    expectErrors(result, [
      { line: 1, id: 's1', reason: /300x400 \(0\.1 MP\), over the/ },
      { line: 2, id: 's2', reason: /300x400 \(0\.1 MP\), over the/ },
    ]);
    const ok = await ingestCatalogue(db, paths, small, { maxPixels: 120_000 });
    assert.equal(ok.ingested, 2);
  });
});

describe('JSONL catalogue', () => {
  test('numbers stay numbers; malformed lines are reported by physical line', async () => {
    const dir = path.join(root, 'jsonl');
    fs.mkdirSync(path.join(dir, 'img'), { recursive: true });
    for (let i = 50; i < 55; i++) fs.copyFileSync(photo(i), path.join(dir, 'img', `${i}.jpg`));
    const file = path.join(dir, 'items.ndjson');
    const lines = [
      JSON.stringify({ id: 'j50', image: 'img/50.jpg', title: 'Chair', labels: ['seat', 'oak'], groups: ['living room'], price: 120, rating: 4.5, tags: { new: true } }),
      '',
      JSON.stringify({ id: 'j51', image: 'img/51.jpg', labels: 'lamp|brass', price: '99' }),
      '{"id": "j52", "image": "img/52.jpg", "title": "broken',
      JSON.stringify({ id: 'j53', image: 'img/53.jpg', labels: '["a", nope]' }),
      '["not", "an", "object"]',
      JSON.stringify({ id: 54, image: 'img/54.jpg', groups: [1, 'two'] }),
      JSON.stringify({ id: 'j55', image: 'img/50.jpg', labels: { a: 1 } }),
    ];
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const result = await ingestCatalogue(db, paths, file);
    expectErrors(result, [
      { line: 4, id: 'j52', reason: /malformed JSON/ },
      { line: 5, id: 'j53', reason: /labels is not valid JSON/ },
      { line: 6, id: null, reason: /expected a JSON object/ },
      { line: 8, id: 'j55', reason: /labels must be a JSON array/ },
    ]);
    assert.equal(result.ingested, 3);
    const j50 = await getItem(db, 'j50');
    assert.deepEqual(j50?.attrs, { price: 120, rating: 4.5, tags: { new: true } });
    assert.deepEqual(j50?.labels, ['seat', 'oak']);
    assert.deepEqual(j50?.groups, ['living room']);
    assert.deepEqual((await getItem(db, 'j51'))?.attrs, { price: '99' }, 'JSONL strings are not coerced');
    assert.deepEqual((await getItem(db, 'j51'))?.labels, ['lamp', 'brass']);
    assert.deepEqual((await getItem(db, '54'))?.groups, ['1', 'two']);
  });
});

describe('foreign layout via --map', () => {
  test('the clothing dataset layout ingests with a column map', async () => {
    const dir = path.join(root, 'clothing');
    fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
    const rows = ['image,sender_id,label,kids'];
    const ids: string[] = [];
    for (let i = 60; i < 70; i++) {
      const id = `cloth-${i}`;
      fs.copyFileSync(photo(i), path.join(dir, 'images', `${id}.jpg`));
      rows.push(`${id},${100 + (i % 3)},${i % 2 ? 'T-Shirt' : 'Shoes'},${i === 60}`);
      ids.push(id);
    }
    rows.push(',101,Hat,false');
    const file = path.join(dir, 'images.csv');
    fs.writeFileSync(file, rows.join('\n'));
    const result = await ingestCatalogue(db, paths, file, { map: 'id=image,image=images/{image}.jpg,labels=label,groups=sender_id' });
    assert.equal(result.ingested, 10);
    expectErrors(result, [{ line: 12, id: null, reason: /missing id.*missing image \(template 'images\/\{image\}\.jpg' needs column 'image'/ }]);
    const first = await getItem(db, ids[0] as string);
    assert.deepEqual({ labels: first?.labels, groups: first?.groups, attrs: first?.attrs }, { labels: ['Shoes'], groups: ['100'], attrs: { kids: 'true' } });
  });

  test('a map naming a column the file lacks fails before any work', async () => {
    const file = path.join(root, 'clothing', 'images.csv');
    await assert.rejects(ingestCatalogue(db, paths, file, { map: 'id=image,image=images/{img}.jpg' }), /no column 'img'/);
    await assert.rejects(ingestCatalogue(db, paths, file), /no 'id' column/);
  });
});

describe('the whole sample catalogue', () => {
  test('ingests all 306 real photos without errors', async () => {
    const before = await countItems(db);
    let calls = 0;
    const result = await ingestCatalogue(db, paths, path.join(SAMPLE, 'items.csv'), { onProgress: () => void calls++ });
    assert.deepEqual(result, { ingested: 306, updated: 0, unchanged: 0, errors: [] });
    assert.equal(await countItems(db), before + 306);
    assert.ok(calls >= 2, 'progress reported per batch');
  });
});
