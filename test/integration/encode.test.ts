import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loupe, loupeJson, loupeSpawn } from '../helpers/cli.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';
import { TEST_BACKEND, useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

const N = 48;
const work = tempDir('encode');
const data = path.join(work, 'data');
const catalogue = writeSubsetCatalogue(work, N);
const rows = sampleRows().slice(0, N);

interface VersionsOut {
  versions: { name: string; dims: number; count: number; kind: string; promoted: boolean }[];
}
interface EncodeOut {
  version: string;
  encoded: number;
  errors: unknown[];
  index: { size: number };
}
interface SimilarOut {
  version: string;
  items: { id: string; score: number }[];
}

test('encode survives kill -9 mid-run and finishes with exactly one vector per item', async () => {
  const ing = loupeJson<{ ingested: number }>(['ingest', catalogue, '--data', data]);
  assert.equal(ing.ingested, N);

  const child = loupeSpawn(['encode', '--data', data, '--batch', '4']);
  let stderr = '';
  const progressed = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = [...stderr.matchAll(/(\d+)\/(\d+)/g)].map((x) => Number(x[1]));
      if (m.some((done) => done > 0 && done < N)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`encode exited (${code}) before it could be killed: ${stderr}`)));
  });
  await progressed;
  child.kill('SIGKILL');
  await once(child, 'exit');
  // The embedded database's lock is left behind and taken over; PostgreSQL mode takes no lock.
  assert.equal(fs.existsSync(path.join(data, 'db.lock')), TEST_BACKEND === 'pglite', 'lock file left behind only by PGlite');

  const mid = loupeJson<VersionsOut>(['versions', '--data', data]);
  const partial = mid.versions.find((v) => v.name === 'generic')!.count;
  assert.ok(partial > 0 && partial < N, `some but not all items were encoded before the kill (${partial})`);

  const resumed = loupeJson<EncodeOut>(['encode', '--data', data]);
  assert.equal(resumed.encoded, N - partial, 'the re-run encodes only what was missing');
  assert.deepEqual(resumed.errors, []);
  assert.equal(resumed.index.size, N);

  const after = loupeJson<VersionsOut>(['versions', '--data', data]);
  const generic = after.versions.find((v) => v.name === 'generic')!;
  assert.equal(generic.count, N, 'exactly one vector per item');
  assert.equal(generic.dims, 1792);
  assert.equal(generic.kind, 'generic');
  assert.equal(generic.promoted, true);

  const again = loupeJson<EncodeOut>(['encode', '--data', data]);
  assert.equal(again.encoded, 0, 'a third run finds nothing to do');
});

test('similar: JSON shape, query excluded, scores sorted; prefers the same label over chance', () => {
  let sameLabel = 0;
  let total = 0;
  const labelOf = new Map(rows.map((r) => [r.id, r.label]));
  for (const r of rows.slice(0, 6)) {
    const out = loupeJson<SimilarOut>(['similar', r.id, '-k', '5', '--data', data, '--version', 'generic']);
    assert.equal(out.version, 'generic');
    assert.equal(out.items.length, 5);
    assert.ok(!out.items.some((n) => n.id === r.id), 'query item excluded');
    for (let i = 1; i < out.items.length; i++) assert.ok(out.items[i - 1]!.score >= out.items[i]!.score, 'sorted by score');
    for (const n of out.items) {
      assert.ok(labelOf.has(n.id));
      total++;
      if (labelOf.get(n.id) === r.label) sameLabel++;
    }
  }
  // The sample spreads 17 labels evenly: chance is ~1/17. Real features do far better.
  assert.ok(sameLabel / total > 3 / 17, `same-label rate ${(sameLabel / total).toFixed(2)}`);
});

test('search --image: an outside photo finds itself first, with the same JSON shape', () => {
  const r = rows[3]!;
  const out = loupeJson<SimilarOut>(['search', '--image', r.image, '-k', '3', '--data', data]);
  assert.equal(out.version, 'generic');
  assert.equal(out.items[0]!.id, r.id);
  assert.ok(out.items[0]!.score > 0.999);
});

test('errors are clear: unknown item, unknown version, bad -k, unreadable image', () => {
  const unknown = loupe(['similar', 'no-such-item', '--data', data, '--json']);
  assert.equal(unknown.code, 1);
  assert.match(JSON.parse(unknown.stdout).error.message, /no item with id 'no-such-item'/);
  const badVersion = loupe(['similar', rows[0]!.id, '--version', 'nope', '--data', data]);
  assert.equal(badVersion.code, 1);
  assert.match(badVersion.stderr, /unknown version 'nope'/);
  const badK = loupe(['similar', rows[0]!.id, '-k', 'ten', '--data', data]);
  assert.equal(badK.code, 2);
  assert.match(badK.stderr, /-k must be an integer/);
  const notImage = path.join(work, 'notes.jpg');
  fs.writeFileSync(notImage, 'these are not pixels');
  const bad = loupe(['search', '--image', notImage, '--data', data]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not an image|corrupt/);
});

test('every verb has --help', () => {
  const main = loupe(['--help']);
  assert.equal(main.code, 0);
  const verbs = [...main.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(verbs.includes('encode') && verbs.includes('similar') && verbs.includes('ingest'), verbs.join(','));
  for (const verb of verbs) {
    const h = loupe([verb, '--help']);
    assert.equal(h.code, 0, verb);
    assert.match(h.stdout, new RegExp(`Usage: loupe ${verb}`));
    assert.match(h.stdout, /--json/);
  }
});
