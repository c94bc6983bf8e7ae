import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../../src/config.js';
import { openDb } from '../../src/store/db.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// Every 2nd sample photo: all 17 labels, ~9 per label, real contributors as groups.
const work = tempDir('train');
const data = path.join(work, 'data');
const all = sampleRows();
const rows = all.filter((_, i) => i % 2 === 0);
const later = all.filter((_, i) => i % 2 === 1).slice(0, 8);

function writeCatalogue(name: string, list: typeof rows): string {
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const r of list) fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
  const file = path.join(work, name);
  fs.writeFileSync(file, ['id,image,labels,groups', ...list.map((r) => `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`)].join('\n') + '\n');
  return file;
}

interface Versions {
  versions: { name: string; kind: string; dims: number; count: number; status: string; promoted: boolean; metrics: { lift?: Record<string, number> } | null }[];
}

test('train a version: stored, precomputed, never overwritten, deterministic, evaluated', () => {
  assert.equal(loupeJson<{ ingested: number }>(['ingest', writeCatalogue('items.csv', rows), '--data', data]).ingested, rows.length);
  assert.equal(loupeJson<{ encoded: number }>(['encode', '--data', data]).encoded, rows.length);

  const trained = loupeJson<{ name: string; dims: number; signals: string[]; items: { train: number; heldOut: number; projected: number }; lift: Record<string, number> }>([
    'train',
    '--name',
    'mine',
    '--seed',
    '7',
    '--data',
    data,
  ]);
  assert.equal(trained.name, 'mine');
  assert.equal(trained.dims, 256);
  assert.deepEqual(trained.signals, ['labels', 'groups', 'text']);
  assert.equal(trained.items.projected, rows.length, 'every item gets a vector in one pass');
  assert.ok(trained.items.heldOut > 0 && trained.items.train + trained.items.heldOut === rows.length);
  assert.ok(Number.isFinite(trained.lift['label.recall@10']), 'lift over generic is measured at train time');

  const v = loupeJson<Versions>(['versions', '--data', data]);
  const mine = v.versions.find((x) => x.name === 'mine')!;
  assert.deepEqual([mine.kind, mine.dims, mine.count, mine.status, mine.promoted], ['trained', 256, rows.length, 'ready', false]);
  assert.ok(mine.metrics?.lift, 'metrics stored with the version');

  const again = loupe(['train', '--name', 'mine', '--data', data]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /never overwritten/);

  loupeJson(['train', '--name', 'mine-again', '--seed', '7', '--data', data]);
  const dir = dataPaths(data).versions;
  assert.deepEqual(fs.readFileSync(path.join(dir, 'mine-again', 'weights.bin')), fs.readFileSync(path.join(dir, 'mine', 'weights.bin')), 'same seed, same weights');
  assert.ok(fs.existsSync(path.join(dir, 'mine', 'split.json')) && fs.existsSync(path.join(dir, 'mine', 'calibrator.json')));

  type Side = { retrieval: { label: { recall: number } | null; group: { recall: number } | null } };
  type Part = { items: number; generic: Side; genericCentred: Side; trained: Side; lift: Record<string, number>; liftRaw: Record<string, number> } | null;
  const report = loupeJson<{
    versions: {
      name: string;
      heldOut: number;
      generic: { retrieval: { label: { recall: number } } };
      genericCentred: { retrieval: { label: { recall: number } } };
      trained: { retrieval: { label: { recall: number } }; tagging: { microF1: number } };
      lift: Record<string, number>;
      liftRaw: Record<string, number>;
      parts: { newItems: Part; newGroups: Part };
    }[];
  }>(['eval', '--version', 'mine', '--data', data]);
  const e = report.versions[0]!;
  assert.equal(e.name, 'mine');
  assert.equal(e.heldOut, trained.items.heldOut);
  for (const x of [e.generic.retrieval.label.recall, e.trained.retrieval.label.recall, e.trained.tagging.microF1]) assert.ok(x >= 0 && x <= 1);
  // Lifts are against the better of the raw and the mean-centred generic vectors; liftRaw keeps the raw one.
  const better = Math.max(e.generic.retrieval.label.recall, e.genericCentred.retrieval.label.recall);
  assert.ok(Math.abs(e.lift['label.recall@10']! - e.trained.retrieval.label.recall / better) < 1e-9);
  assert.ok(Math.abs(e.liftRaw['label.recall@10']! - e.trained.retrieval.label.recall / e.generic.retrieval.label.recall) < 1e-9);
  // The catalogue has groups, so the split holds out whole groups and single items; each part is scored apart.
  const { newItems, newGroups } = e.parts;
  assert.ok(newItems && newGroups, 'both parts of the held-out split are present');
  assert.equal(newItems.items + newGroups.items, e.heldOut);
  assert.ok(newItems.items > 0 && newGroups.items > 0);
  const split = JSON.parse(fs.readFileSync(path.join(dir, 'mine', 'split.json'), 'utf8')) as { heldOut: string[]; heldOutGroups: string[] };
  const groupOf = new Map(rows.map((r) => [r.id, r.group]));
  const held = new Set(split.heldOut);
  const trainedGroups = new Set(rows.filter((r) => !held.has(r.id)).map((r) => r.group));
  const unseenGroup = split.heldOut.filter((id) => !trainedGroups.has(groupOf.get(id)!)).length;
  assert.equal(newGroups.items, unseenGroup, 'newGroups = held-out items whose group has no training member');
  assert.ok(unseenGroup >= split.heldOut.filter((id) => split.heldOutGroups.includes(groupOf.get(id)!)).length, 'whole held-out groups are among them');
  assert.ok(newGroups.generic.retrieval.group && newGroups.trained.retrieval.label, 'same-group retrieval is measured on the whole groups');
  const t = newItems.trained.retrieval.label!.recall;
  const g = newItems.generic.retrieval.label!.recall;
  const gc = newItems.genericCentred.retrieval.label!.recall;
  if (Math.max(g, gc) > 0) assert.ok(Math.abs(newItems.lift['label.recall@10']! - t / Math.max(g, gc)) < 1e-9);
});

test('serve any version: similar, promote and roll back, text search, tags', () => {
  const id = rows[0]!.id;
  const sim = loupeJson<{ version: string; items: { id: string }[] }>(['similar', id, '--version', 'mine', '-k', '5', '--data', data]);
  assert.equal(sim.version, 'mine');
  assert.equal(sim.items.length, 5);

  assert.equal(loupeJson<{ previous: string }>(['promote', 'mine', '--data', data]).previous, 'generic');
  assert.equal(loupeJson<{ version: string }>(['similar', id, '--data', data]).version, 'mine', 'the promoted version serves by default');
  loupeJson(['promote', 'generic', '--data', data]);
  assert.equal(loupeJson<{ version: string }>(['similar', id, '--data', data]).version, 'generic', 'rolled back');
  assert.equal(loupe(['promote', 'nope', '--data', data]).code, 1);

  const label = rows[0]!.label;
  const text = loupeJson<{ version: string; items: { id: string }[] }>(['search', '--text', label.toLowerCase(), '-k', '5', '--data', data]);
  assert.equal(text.version, 'mine-again', 'generic cannot embed text: the newest version with a text tower answers');
  const labelOf = new Map(rows.map((r) => [r.id, r.label]));
  assert.ok(text.items.filter((n) => labelOf.get(n.id) === label).length >= 3, `"${label}" finds ${label} items`);
  const noText = loupe(['search', '--text', 'dress', '--version', 'generic', '--data', data]);
  assert.equal(noText.code, 1);
  assert.match(noText.stderr, /cannot embed text/);

  const tags = loupeJson<{ item: string; version: string; calibrated: boolean; tags: { label: string; probability: number; support: number }[] }>([
    'tag',
    id,
    '--version',
    'mine',
    '--threshold',
    '0',
    '--data',
    data,
  ]);
  assert.equal(tags.calibrated, true);
  assert.ok(tags.tags.length > 0);
  for (const t of tags.tags) assert.ok(t.probability >= 0 && t.probability <= 1);
  // The calibrator is fit on vectors like the served ones: a label 9 of 10 neighbours carry shows.
  for (const t of tags.tags.filter((x) => x.support >= 9)) assert.ok(t.probability >= 0.5, `${t.label}: ${t.support}/10 votes, p ${t.probability}`);
  const fromImage = loupeJson<{ tags: { label: string }[] }>(['tag', '--image', rows[0]!.image, '--version', 'mine', '--threshold', '0', '--data', data]);
  assert.ok(fromImage.tags.length > 0);
});

test('items ingested later get vectors in every trained version; an interrupted projection resumes', async () => {
  loupeJson(['ingest', writeCatalogue('later.csv', later), '--data', data]);
  const enc = loupeJson<{ encoded: number; projected: Record<string, number> }>(['encode', '--data', data]);
  assert.equal(enc.encoded, later.length);
  assert.deepEqual(enc.projected, { mine: later.length, 'mine-again': later.length });

  // Simulate a crash after training but before every vector landed.
  const paths = dataPaths(data);
  const db = await openDb({ dir: paths.db });
  await db.query(`UPDATE versions SET status = 'building' WHERE name = 'mine'`);
  await db.query(`DELETE FROM embeddings WHERE version = 'mine' AND item_id = ANY($1::text[])`, [rows.slice(0, 10).map((r) => r.id)]);
  await db.close();
  const resumed = loupeJson<{ resumed: boolean; items: { projected: number } }>(['train', '--name', 'mine', '--seed', '7', '--data', data]);
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.items.projected, 10);
  const mine = loupeJson<Versions>(['versions', '--data', data]).versions.find((x) => x.name === 'mine')!;
  assert.deepEqual([mine.status, mine.count], ['ready', rows.length + later.length]);
});
