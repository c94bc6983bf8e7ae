/**
 * Hostile input (test/fixtures/hostile, made by scripts/make-hostile-fixtures.ts, plus cases git
 * cannot keep: a symlink out of the folder, a directory named .jpg, 10 MB lines). A catalogue
 * mixing them with good rows lands every good record, encodes it, and reports one clear error per
 * bad record; the HTTP API answers hostile requests with 4xx JSON and keeps serving.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvField, fromCsvField } from '../../src/catalog/csv-cell.js';
import { ingestCatalogue, type IngestResult } from '../../src/catalog/ingest.js';
import { dataPaths, imageFile } from '../../src/config.js';
import { encodeMissing } from '../../src/app/encode.js';
import { fixListCsv, parseFixList } from '../../src/quality/fixlist.js';
import { startServer } from '../../src/server/runtime.js';
import { openDb, type Db } from '../../src/store/db.js';
import { countItems, getItem } from '../../src/store/items.js';
import { decodeForEncoder } from '../../src/vision/decode.js';
import { createEncoder, DEFAULT_ENCODER } from '../../src/vision/encoders.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/hostile');
interface ImageCase {
  file: string;
  about: string;
  expect: 'accept' | 'reject';
  reason?: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { images: ImageCase[] };

const work = tempDir('hostile');
const paths = dataPaths(path.join(work, 'data'));
const shop = path.join(work, 'shop');
const good = sampleRows().slice(0, 6);
const q = (s: string) => (/[",\n\r|]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

interface Expected {
  line: number;
  id: string | null;
  reason: RegExp;
}

function checkErrors(result: IngestResult, expected: Expected[]) {
  assert.deepEqual(
    result.errors.map((e) => `${e.line}:${e.id}`),
    expected.map((e) => `${e.line}:${e.id}`),
    'exactly one error per bad record, by line and id',
  );
  expected.forEach((e, i) => assert.match(result.errors[i]!.reason, e.reason, `line ${e.line} (${e.id})`));
}

let db: Db;
let mixed: IngestResult;
const goodIds: string[] = [];
const expected: Expected[] = [];

before(async () => {
  const img = path.join(shop, 'images');
  fs.mkdirSync(img, { recursive: true });
  for (const c of manifest.images) fs.copyFileSync(path.join(FIXTURES, 'images', c.file), path.join(img, c.file));
  good.forEach((r, i) => fs.copyFileSync(r.image, path.join(img, `good-${i}.jpg`)));
  fs.mkdirSync(path.join(work, 'outside'), { recursive: true });
  fs.copyFileSync(good[0]!.image, path.join(work, 'outside', 'secret.jpg'));
  fs.symlinkSync(path.join(work, 'outside', 'secret.jpg'), path.join(img, 'escape.jpg'));
  fs.symlinkSync(path.join(work, 'outside'), path.join(img, 'escape-dir'));
  fs.mkdirSync(path.join(img, 'folder.jpg'));

  const lines = ['id,image,title,labels,groups'];
  const add = (cells: string) => lines.push(cells) && lines.length;
  const ok = (id: string, image: string, title = '') => {
    add(`${q(id)},${q(image)},${q(title)},tops,g1`);
    goodIds.push(id);
  };
  const bad = (id: string | null, cells: string, reason: RegExp) => expected.push({ line: add(cells), id, reason });

  good.forEach((_, i) => ok(`good-${i}`, `images/good-${i}.jpg`));
  for (const c of manifest.images) {
    const id = `img-${c.file}`;
    if (c.expect === 'accept') ok(id, `images/${c.file}`);
    else bad(id, `${id},images/${c.file},,tops,g1`, new RegExp(c.reason!));
  }
  // CSV injection is data: stored verbatim, escaped wherever Loupe writes CSV (tested below).
  ok(`=cmd|' /C calc'!A0`, 'images/good-1.jpg', '=HYPERLINK("http://evil.example","click")');
  ok('+1+2', 'images/good-2.jpg', '@SUM(A1:A9)');
  ok('-3-4', 'images/good-3.jpg', '\t=1+1');
  // Paths that leave the catalogue's folder, or are no file at all.
  bad('trav-1', 'trav-1,../outside/secret.jpg,,,', /escapes the catalogue's folder/);
  bad('trav-2', 'trav-2,images/../../outside/secret.jpg,,,', /escapes the catalogue's folder/);
  bad('trav-3', 'trav-3,/etc/passwd,,,', /is absolute/);
  bad('trav-4', 'trav-4,file:///etc/passwd,,,', /is a URL/);
  bad('trav-5', 'trav-5,http://127.0.0.1:9/x.jpg,,,', /is a URL/);
  bad('trav-6', 'trav-6,C:\\Windows\\win.ini,,,', /is absolute/);
  bad('link-1', 'link-1,images/escape.jpg,,,', /symlink that resolves outside/);
  bad('link-2', 'link-2,images/escape-dir/secret.jpg,,,', /symlink that resolves outside/);
  bad('dir-1', 'dir-1,images/folder.jpg,,,', /not a regular file/);
  bad('gone-1', 'gone-1,images/nowhere.jpg,,,', /not found/);
  // Broken records.
  bad('good-0', 'good-0,images/good-4.jpg,duplicate,,', /duplicate id 'good-0'/);
  bad(null, ',images/good-4.jpg,no id,,', /missing id/);
  bad('no-image', 'no-image,,,,', /missing image/);
  bad('x'.repeat(600), `${'x'.repeat(600)},images/good-4.jpg,,,`, /longer than 512/);
  bad('huge-line', `huge-line,images/good-4.jpg,${'A'.repeat(10 * 2 ** 20)},,`, /over the 1 MB limit/);
  bad('ragged', 'ragged,images/good-4.jpg,a,b,c,d,e', /fields, the header has 5/);
  bad('bad-labels', 'bad-labels,images/good-4.jpg,,"[""unclosed",', /labels is not valid JSON/);
  bad('nul', 'nul,images/good-4.jpg,a\u0000b,,', /NUL/);
  ok('last-good', 'images/good-5.jpg', 'after every bad row');
  bad('unclosed', 'unclosed,images/good-4.jpg,"never closed,,', /quote opened here is never closed/);
  fs.writeFileSync(path.join(shop, 'items.csv'), lines.join('\n') + '\n');

  db = await openDb({ dir: paths.db });
  mixed = await ingestCatalogue(db, paths, path.join(shop, 'items.csv'));
});

after(async () => db?.close());

describe('a catalogue mixing hostile images and records with good rows', () => {
  test('fixture corpus: at least 30 cases, well under 2 MB', () => {
    const files = (fs.readdirSync(FIXTURES, { recursive: true }) as string[]).map((f) => path.join(FIXTURES, f)).filter((f) => fs.statSync(f).isFile());
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    assert.ok(manifest.images.length + fs.readdirSync(path.join(FIXTURES, 'catalogues')).length >= 28, `${files.length} files`);
    assert.ok(manifest.images.length + expected.length >= 30);
    assert.ok(bytes < 2 * 2 ** 20, `${bytes} bytes`);
  });

  test('every bad record gets one clear error naming its line and id; every good record lands', async () => {
    checkErrors(mixed, expected);
    assert.equal(mixed.ingested, goodIds.length);
    assert.equal(await countItems(db), goodIds.length);
    for (const id of goodIds) assert.ok(await getItem(db, id), `${id} landed`);
    const injected = await getItem(db, `=cmd|' /C calc'!A0`);
    assert.equal(injected?.title, '=HYPERLINK("http://evil.example","click")', 'stored verbatim');
  });

  test('every good record encodes, hostile formats included', async () => {
    const encoder = await createEncoder(DEFAULT_ENCODER, { modelsDir: paths.models });
    try {
      const r = await encodeMissing(db, paths, encoder, { version: 'generic', encoderSpec: DEFAULT_ENCODER, batchSize: 8 });
      assert.deepEqual(r.errors, []);
      assert.equal(r.encoded, new Set(goodIds).size);
    } finally {
      await encoder.close();
    }
  });

  test('an EXIF-rotated photo is stored and decoded upright', async () => {
    const item = (await getItem(db, 'img-exif-rotated.jpg'))!;
    const [row] = await db.query<{ width: number; height: number; ext: string }>('SELECT width, height, ext FROM images WHERE hash = $1', [item.imageHash]);
    assert.deepEqual([row!.width, row!.height], [32, 64], 'portrait once the orientation tag is applied');
    const px = await decodeForEncoder(imageFile(paths, item.imageHash, row!.ext), { size: 16, fit: 'fill' });
    const at = (x: number, y: number) => Array.from(px.data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
    assert.ok(at(8, 2)[0]! > 150 && at(8, 2)[2]! < 100, `top is red: ${at(8, 2)}`);
    assert.ok(at(8, 13)[2]! > 150 && at(8, 13)[0]! < 100, `bottom is blue: ${at(8, 13)}`);
  });

  test('re-ingesting the same hostile catalogue changes nothing and reports the same errors', async () => {
    const again = await ingestCatalogue(db, paths, path.join(shop, 'items.csv'));
    checkErrors(again, expected);
    assert.equal(again.unchanged, goodIds.length);
    assert.equal(again.ingested + again.updated, 0);
  });
});

describe('catalogue encodings and malformed JSONL', () => {
  const ingestFixture = async (name: string) => {
    const dir = path.join(work, `enc-${name}`);
    fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
    for (const c of manifest.images) fs.copyFileSync(path.join(FIXTURES, 'images', c.file), path.join(dir, 'images', c.file));
    fs.copyFileSync(path.join(FIXTURES, 'catalogues', name), path.join(dir, name));
    return ingestCatalogue(db, paths, path.join(dir, name));
  };

  test('UTF-16 (LE and BE, with BOM) and UTF-8 with a BOM decode correctly', async () => {
    for (const name of ['utf16le-bom.csv', 'utf16be-bom.csv']) {
      const r = await ingestFixture(name);
      assert.deepEqual(r.errors, [], name);
      assert.equal((await getItem(db, 'u16-1'))?.title, 'Café crème', name);
      assert.equal((await getItem(db, 'u16-2'))?.title, 'Ærø jacket — 日本', name);
    }
    const bom = await ingestFixture('utf8-bom.csv');
    assert.deepEqual(bom.errors, []);
    assert.equal((await getItem(db, 'bom-1'))?.title, 'naïve');
  });

  test('a Latin-1 row is refused with a clear reason; its neighbours land', async () => {
    const r = await ingestFixture('latin1.csv');
    checkErrors(r, [{ line: 3, id: 'l1-bad', reason: /not valid UTF-8/ }]);
    assert.ok(await getItem(db, 'l1-ok'));
    assert.ok(await getItem(db, 'l1-ok2'));
    assert.equal(await getItem(db, 'l1-bad'), null);
  });

  test('a catalogue without an image column is refused as a whole, before any work', async () => {
    const before = await countItems(db);
    await assert.rejects(ingestFixture('missing-image-column.csv'), /no 'image' column \(columns: id, title, labels\)/);
    assert.equal(await countItems(db), before);
  });

  test('malformed JSONL lines, deep nesting and a 10 MB line are reported by line', async () => {
    const dir = path.join(work, 'jsonl');
    fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
    fs.copyFileSync(good[0]!.image, path.join(dir, 'images', 'a.jpg'));
    const img = 'images/a.jpg';
    const lines = [
      JSON.stringify({ id: 'j-ok', image: img, labels: ['tops'] }),
      '{"id": "j-broken", "image": ',
      '[1, 2, 3]',
      '"just a string"',
      `{"id":"j-deep","image":"${img}","attrs":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      JSON.stringify({ id: 'j-big', image: img, description: 'B'.repeat(10 * 2 ** 20) }),
      JSON.stringify({ id: 'j-nul', image: img, title: 'a\u0000b' }),
      JSON.stringify({ id: { nested: true }, image: img }),
      JSON.stringify({ id: 42, image: img, price: 9.5 }),
    ];
    fs.writeFileSync(path.join(dir, 'items.jsonl'), lines.join('\n') + '\n');
    const r = await ingestCatalogue(db, paths, path.join(dir, 'items.jsonl'));
    checkErrors(r, [
      { line: 2, id: 'j-broken', reason: /malformed JSON/ },
      { line: 3, id: null, reason: /expected a JSON object/ },
      { line: 4, id: null, reason: /expected a JSON object/ },
      { line: 5, id: 'j-deep', reason: /nested deeper than 32/ },
      { line: 6, id: 'j-big', reason: /over the 1 MB limit/ },
      { line: 7, id: 'j-nul', reason: /NUL/ },
      { line: 8, id: null, reason: /id must be a string/ },
    ]);
    assert.equal(r.ingested, 2);
    assert.equal((await getItem(db, '42'))?.attrs.price, 9.5);
  });
});

describe('CSV that Loupe writes is safe to open in a spreadsheet', () => {
  test('cells starting with = + - @ tab are guarded, quoted, and read back unchanged', () => {
    const values = [`=cmd|' /C calc'!A0`, '+1+2', '-3', '@SUM(A1)', '\t=1', 'plain', 'a,b "c"', "'=already quoted text"];
    const line = values.map(csvField).join(',');
    const [parsed] = parseCsv(line) as string[][];
    for (const cell of parsed!) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, 'no cell starts a formula');
    assert.deepEqual(parsed!.map(fromCsvField), values);
  });

  test('fix lists (loupe quality) round-trip injected ids and labels', () => {
    const rows = [{ id: `=cmd|' /C calc'!A0`, action: 'relabel' as const, labels: ['-x', '@y'], finding: 'label-suspect', confidence: 0.9, currentLabels: ['+z'], detail: '=1+1' }];
    const text = fixListCsv(rows);
    const records = parseCsv(text) as string[][];
    for (const cell of records.flat()) assert.doesNotMatch(cell, /^[=+\-@]/);
    assert.deepEqual([...parseFixList(text).relabel], [[rows[0]!.id, ['-x', '@y']]]);
  });
});

describe('hostile HTTP requests get clear 4xx JSON and the server keeps serving', () => {
  let run: Awaited<ReturnType<typeof startServer>>;
  let base: string;
  const KEY = 'test-key';
  let itemsBefore: number;

  before(async () => {
    itemsBefore = await countItems(db);
    await db.close();
    run = await startServer({ dataDir: paths.root, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: KEY, uploadBytes: 2_000_000 });
    base = run.server.url;
  });
  after(async () => {
    await run?.stop();
    db = await openDb({ dir: paths.db });
  });

  const call = async (url: string, init?: RequestInit) => {
    const res = await fetch(base + url, init);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : {} };
  };
  const events = (body: BodyInit, type = 'application/json') => call('/api/events', { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${KEY}` }, body });
  /**
   * A POST whose body may be refused before it is all sent: the 413 arrives, then the server
   * drops the connection (fetch would report only the reset). `chunks` of 1 MB, no content-length.
   */
  // A server that refuses an upload mid-stream closes the connection; if the client is still
  // sending, the kernel may reset it before the 413 is read (HTTP/1.1 has no lingering close
  // here). So the client stops sending once it has an answer, and a reset that arrives before
  // any answer is retried (at most 3 tries): one of them must read the 413 itself.
  const oversizedOnce = (url: string, headers: Record<string, string>, chunks: number) =>
    new Promise<{ status: number; body: string } | 'reset'>((resolve, reject) => {
      const req = http.request(`${base}${url}`, { method: 'POST', headers });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve('reset'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (/ECONNRESET|EPIPE/.test(`${err.code} ${err.message}`) || /socket hang up/.test(err.message)) {
          if (!answered) resolve('reset');
        } else reject(err);
      });
      let sent = 0;
      const pump = () => {
        while (sent < chunks && !answered) {
          sent++;
          if (!req.write(Buffer.alloc(1_000_000, 0x20))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  const oversized = async (url: string, headers: Record<string, string>, chunks: number) => {
    for (let attempt = 1; ; attempt++) {
      const r = await oversizedOnce(url, headers, chunks);
      if (r !== 'reset') return r;
      if (attempt === 3) throw new Error(`${url}: the connection was reset before any answer, 3 times`);
    }
  };
  const expect4xx = (r: Awaited<ReturnType<typeof call>>, status: number, message: RegExp) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.type, /application\/json/);
    assert.match(r.body.error?.message ?? '', message);
  };

  test('bodies: too large, deeply nested, malformed, wrong type, invalid UTF-8', async () => {
    const big = await oversized('/api/events', { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, 3);
    assert.equal(big.status, 413);
    assert.match(JSON.parse(big.body).error.message, /over 1 MB/);
    expect4xx(await events('['.repeat(200_000) + ']'.repeat(200_000)), 400, /expected one event object/);
    expect4xx(await events(`{"events":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), 400, /events/);
    expect4xx(await events('{"user": "u", '), 400, /malformed JSON/);
    expect4xx(await events('{"user":"u","item":"good-0","action":"view"}', 'text/plain'), 400, /application\/json/);
    const invalid = Buffer.concat([Buffer.from('{"user":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","item":"good-0","action":"view"}')]);
    expect4xx(await events(invalid), 400, /not valid UTF-8/);
    const noKey = await call('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(noKey.status, 401);
  });

  test('image uploads: wrong type, SVG, pixel bomb, broken multipart, streamed past the limit', async () => {
    const upload = (body: BodyInit, type: string) => call('/api/search/image', { method: 'POST', headers: { 'content-type': type }, body });
    const fixture = (f: string) => fs.readFileSync(path.join(FIXTURES, 'images', f));
    expect4xx(await upload('{}', 'application/json'), 400, /image\/\*/);
    expect4xx(await upload(fixture('external.svg'), 'image/svg+xml'), 422, /svg/);
    expect4xx(await upload(fixture('bomb-100k.png'), 'image/png'), 413, /MP limit/);
    expect4xx(await upload(fixture('text.jpg'), 'image/jpeg'), 422, /not an image/);
    expect4xx(await upload('--x\r\nbroken', 'multipart/form-data; boundary=x'), 400, /malformed multipart/);
    // Chunked, no content-length: the limit holds while streaming.
    const streamed = await oversized('/api/search/image', { 'content-type': 'image/jpeg' }, 30);
    assert.equal(streamed.status, 413);
    assert.match(JSON.parse(streamed.body).error.message, /over the 2 MB limit/);
  });

  test('URLs: huge and invalid query strings, bad percent-encoding, unknown routes', async () => {
    expect4xx(await call(`/api/search?q=${'a'.repeat(8000)}`), 400, /500 characters/);
    const tooBig = await fetch(`${base}/api/search?q=${'a'.repeat(100_000)}`);
    assert.equal(tooBig.status, 431, 'Node refuses headers over 16 KB before any handler runs');
    expect4xx(await call('/api/items/%FF%FE'), 404, /no item/);
    expect4xx(await call('/api/items/good-0/similar?k=%FF'), 400, /k/);
    expect4xx(await call('/api/items?limit=-1'), 400, /limit/);
    expect4xx(await call('/api/..%2F..%2Fetc%2Fpasswd'), 404, /no route/);
  });

  test('a polyglot original is served as image/jpeg with nosniff', async () => {
    const item = await call('/api/items/img-polyglot.jpg');
    const res = await fetch(base + (item.body as unknown as { image: { url: string } }).image.url);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('after all of it the server is healthy and no record was lost', async () => {
    const health = await call('/api/health');
    assert.equal(health.status, 200);
    assert.equal((health.body as unknown as { items: number }).items, itemsBefore);
    const similar = await call('/api/items/good-0/similar?k=3');
    assert.equal(similar.status, 200);
  });
});
