import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { freshDbUrl } from '../helpers/backend.js';
import { loupe } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';

const dbUrl = await freshDbUrl();
const root = tempDir('ingest-folder');
const data = path.join(root, 'data');
const photos = path.join(root, 'photos');
const db = dbUrl ? ['--db', dbUrl] : [];

interface Result {
  ingested: number;
  updated: number;
  unchanged: number;
  errors: { line: number; id: string | null; reason: string }[];
}

function ingest(...args: string[]) {
  return loupe(['ingest', ...args, '--data', data, ...db]);
}

let labels: [string, string];

before(() => {
  // Real photos in label sub-folders (ImageFolder), one loose at the top, one nested deeper.
  const byLabel = new Map<string, string[]>();
  for (const r of sampleRows()) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r.image]);
  const [a, b] = [...byLabel.keys()] as [string, string];
  for (const label of [a, b]) {
    fs.mkdirSync(path.join(photos, label), { recursive: true });
    for (const [i, src] of byLabel.get(label)!.slice(0, 3).entries()) fs.copyFileSync(src, path.join(photos, label, `p${i}.jpg`));
  }
  fs.mkdirSync(path.join(photos, a, 'close-ups'));
  fs.copyFileSync(byLabel.get(a)![3]!, path.join(photos, a, 'close-ups', 'z.jpg'));
  fs.copyFileSync(byLabel.get(b)![3]!, path.join(photos, 'loose.jpg'));
  fs.writeFileSync(path.join(photos, b, 'broken.jpg'), 'this is text, not a JPEG');
  fs.writeFileSync(path.join(photos, 'notes.txt'), 'not an image, ignored');
  fs.mkdirSync(path.join(photos, '.cache'));
  fs.copyFileSync(byLabel.get(b)![4]!, path.join(photos, '.cache', 'hidden.jpg'));
  labels = [a, b];
});

describe('loupe ingest <folder>', () => {
  test('a folder of images is a catalogue: ids from paths, labels from sub-folders; bad images refused by name', () => {
    const r = ingest(photos, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Result;
    assert.equal(out.ingested, 8, 'six in label folders, one nested, one loose; hidden and non-image files skipped');
    assert.equal(out.errors.length, 1);
    assert.equal(out.errors[0]!.id, `${labels[1]}/broken`);
    assert.match(out.errors[0]!.reason, new RegExp(`${labels[1]}/broken\\.jpg`));
  });

  test('the items carry the ImageFolder labels', async () => {
    const { openDb } = await import('../../src/store/db.js');
    const database = await openDb({ url: dbUrl, dir: path.join(data, 'db') });
    try {
      const rows = await database.query<{ id: string; labels: string[]; title: string | null }>('SELECT id, labels, title FROM items ORDER BY id');
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.deepEqual(byId.get(`${labels[0]}/p0`)?.labels, [labels[0]]);
      assert.deepEqual(byId.get(`${labels[0]}/close-ups/z`)?.labels, [labels[0]]);
      assert.deepEqual(byId.get('loose')?.labels, []);
      assert.equal(byId.has('.cache/hidden'), false);
    } finally {
      await database.close();
    }
  });

  test('re-running is idempotent; the text summary names the bad file', () => {
    const r = ingest(photos);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^0 ingested, 0 updated, 8 unchanged, 1 error\n/);
    assert.match(r.stdout, new RegExp(`\\(id ${labels[1]}/broken\\): ${labels[1]}/broken\\.jpg`));
  });

  test('a sidecar CSV merges title, description and attributes by file name', () => {
    fs.writeFileSync(
      path.join(photos, 'metadata.csv'),
      ['file_name,title,price,labels', `${labels[0]}/p1.jpg,Red one,19.5,`, 'loose.jpg,The loose one,7,Misc|Sale', 'nope.jpg,Missing,1,'].join('\n') + '\n',
    );
    const r = ingest(photos, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Result;
    assert.equal(out.updated, 2);
    assert.equal(out.unchanged, 6);
    assert.deepEqual(
      out.errors.map((e) => [e.line, e.reason.replace(/:.*/, '')]),
      [
        [0, `${labels[1]}/broken.jpg`],
        [4, 'metadata.csv'],
      ],
    );
    assert.match(out.errors[1]!.reason, /no image 'nope\.jpg' in the folder/);
  });

  test('sidecar values land on the item', async () => {
    const { openDb } = await import('../../src/store/db.js');
    const database = await openDb({ url: dbUrl, dir: path.join(data, 'db') });
    try {
      const rows = await database.query<{ id: string; labels: string[]; title: string | null; attrs: Record<string, unknown> }>(
        `SELECT id, labels, title, attrs FROM items WHERE id IN ('loose', '${labels[0]}/p1') ORDER BY id`,
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.deepEqual(byId.get('loose'), { id: 'loose', labels: ['Misc', 'Sale'], title: 'The loose one', attrs: { price: 7 } });
      assert.deepEqual(byId.get(`${labels[0]}/p1`), { id: `${labels[0]}/p1`, labels: [labels[0]], title: 'Red one', attrs: { price: 19.5 } });
    } finally {
      await database.close();
    }
  });

  test('--map is refused for a folder; a missing path says no such file', () => {
    const m = ingest(photos, '--map', 'id=x');
    assert.equal(m.code, 2);
    assert.match(m.stderr, /--map applies to catalogue files/);
    const missing = ingest(path.join(root, 'nowhere'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file: .*nowhere\n/);
    assert.doesNotMatch(missing.stderr, /ENOENT/);
  });
});
