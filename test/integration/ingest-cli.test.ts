import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

const REPO = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.join(REPO, 'examples/clothing-sample/images');
const PHOTOS = fs
  .readdirSync(SAMPLE)
  .filter((f) => f.endsWith('.jpg'))
  .sort();

let root: string;
let data: string;

function loupe(...args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: process.env,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-ingest-cli-'));
  data = path.join(root, 'data');
  fs.mkdirSync(path.join(root, 'cat', 'images'), { recursive: true });
  for (let i = 200; i < 208; i++) fs.copyFileSync(path.join(SAMPLE, PHOTOS[i] as string), path.join(root, 'cat', 'images', `${i}.jpg`));
  fs.writeFileSync(path.join(root, 'cat', 'images', 'zero.jpg'), '');
  const rows = ['id,image,title,labels'];
  for (let i = 200; i < 208; i++) rows.push(`c${i},images/${i}.jpg,Photo ${i},${i % 2 ? 'Shirt' : 'Shoes|Leather'}`);
  rows.push('zero,images/zero.jpg,Empty,');
  fs.writeFileSync(path.join(root, 'cat', 'items.csv'), rows.join('\n') + '\n');
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('loupe ingest', () => {
  test('--json prints the result object and exits 0 when items landed', () => {
    const r = loupe('ingest', path.join(root, 'cat', 'items.csv'), '--data', data, '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      ingested: 8,
      updated: 0,
      unchanged: 0,
      errors: [{ line: 10, id: 'zero', reason: 'images/zero.jpg: empty file (0 bytes)' }],
    });
    assert.equal(r.stderr, '', 'no progress chatter in --json mode');
  });

  test('a catalogue that cannot be read exits 1', () => {
    // Relative to the cwd (the repo), where there is no items.csv.
    const r = loupe('ingest', 'items.csv', '--data', data, '--json');
    assert.equal(r.code, 1);
    assert.match(JSON.parse(r.stdout).error.message, /no such file: items\.csv/);
  });

  test('re-running in text mode prints a summary (all unchanged) and each error, exit 0', () => {
    const r = loupe('ingest', path.join(root, 'cat', 'items.csv'), '--data', data);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^0 ingested, 0 updated, 8 unchanged, 1 error\n/);
    assert.match(r.stdout, /line 10 \(id zero\): images\/zero\.jpg: empty file/);
  });

  test('usage errors exit 2 before touching the database', () => {
    assert.equal(loupe('ingest', path.join(root, 'cat', 'items.txt'), '--data', data).code, 2);
    const badMap = loupe('ingest', path.join(root, 'cat', 'items.csv'), '--map', 'labels', '--data', data);
    assert.equal(badMap.code, 2);
    assert.match(badMap.stderr, /--map entry 'labels' is not field=column or field=template/);
  });

  test('exits 1 when nothing landed; --max-pixels and --map reach the ingest', () => {
    const r = loupe('ingest', path.join(root, 'cat', 'items.csv'), '--data', data, '--json', '--max-pixels', '1000', '--map', 'id=x-{id},groups=title');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ingested + out.updated + out.unchanged, 0);
    assert.equal(out.errors.length, 9);
    assert.match(out.errors[0].reason, /over the .*limit/);
    assert.equal(out.errors[0].id, 'x-c200');
  });
});
