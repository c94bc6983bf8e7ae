import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exactDuplicates, robustSpread } from '../../src/quality/findings.js';
import { fixListCsv, parseFixList } from '../../src/quality/fixlist.js';
import { UnionFind } from '../../src/quality/union-find.js';
import { useFreshDatabase } from '../helpers/backend.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';

await useFreshDatabase();

test('union-find clusters pairs transitively; exact duplicates group by content hash', () => {
  const uf = new UnionFind();
  uf.union('a', 'b');
  uf.union('c', 'b');
  uf.union('x', 'y');
  uf.find('lonely');
  assert.deepEqual(uf.groups(2), [
    ['a', 'b', 'c'],
    ['x', 'y'],
  ]);
  const dups = exactDuplicates([
    { id: 'p', imageHash: 'h1', labels: [] },
    { id: 'q', imageHash: 'h2', labels: [] },
    { id: 'r', imageHash: 'h1', labels: [] },
  ]);
  assert.deepEqual(dups, [{ ids: ['p', 'r'], imageHash: 'h1' }]);
  // median 3, |x - 3| = 2,1,0,1,97 -> MAD 1 -> scaled 1.4826
  assert.deepEqual(robustSpread([1, 2, 3, 4, 100]), { median: 3, mad: 1.4826 });
});

test('a fix list round-trips through CSV; drop wins over relabel; bad rows are reported by line', () => {
  const csv = fixListCsv([
    { id: 'a', action: 'relabel', labels: ['Shoes', 'Red, bright'], finding: 'mislabelled', confidence: 0.5, currentLabels: ['Hat'], detail: 'x' },
    { id: 'b', action: 'drop', labels: [], finding: 'exact-duplicate', confidence: 1, currentLabels: [], detail: 'same image as "c"' },
    { id: 'b', action: 'relabel', labels: ['Hat'], finding: 'mislabelled', confidence: 0.2, currentLabels: [], detail: '' },
    { id: 'd', action: 'review', labels: [], finding: 'outlier', confidence: null, currentLabels: [], detail: '' },
  ]);
  const parsed = parseFixList(csv + 'e,burn,,,,,\n');
  assert.deepEqual([...parsed.relabel], [['a', ['Shoes', 'Red, bright']]]);
  assert.deepEqual([...parsed.drop], ['b']);
  assert.equal(parsed.ignored, 1);
  assert.equal(parsed.errors.length, 1);
  assert.equal(parsed.errors[0]!.line, 6);
});

interface Quality {
  items: number;
  version: string;
  counts: { exactDuplicateClusters: number; mislabelled: number };
  exactDuplicates: { ids: string[] }[];
  mislabelled: { id: string; labels: string[]; suggested: string; confidence: number }[];
  labels: { label: string; count: number; purity: number }[];
  images: Record<string, string>;
  fixes: { id: string; action: string; finding: string }[];
}

test('on the sample catalogue: a copied photo is an exact duplicate, a wrong label ranks among suspects, the fix list repairs both', () => {
  const work = tempDir('quality');
  const data = path.join(work, 'data');
  const rows = sampleRows();
  fs.mkdirSync(path.join(work, 'images'), { recursive: true });
  for (const r of rows) fs.copyFileSync(r.image, path.join(work, 'images', path.basename(r.image)));
  const copied = rows[5]!;
  const dupId = `${copied.id}-copy`;
  const catalogue = (relabel?: { id: string; label: string }) => {
    const lines = rows.map((r) => `${r.id},images/${path.basename(r.image)},${r.id === relabel?.id ? relabel.label : r.label},${r.group}`);
    lines.push(`${dupId},images/${path.basename(copied.image)},${copied.label},${copied.group}`);
    const file = path.join(work, 'items.csv');
    fs.writeFileSync(file, ['id,image,labels,groups', ...lines].join('\n') + '\n');
    return file;
  };
  assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue(), '--data', data]).ingested, rows.length + 1);
  loupeJson(['encode', '--data', data]);

  const before = loupeJson<Quality>(['quality', '--data', data]);
  assert.equal(before.items, rows.length + 1);
  assert.deepEqual(
    before.exactDuplicates.map((c) => c.ids),
    [[copied.id, dupId].sort()],
  );

  // Mislabel an item the embedding places firmly among its own class: one of the most coherent label's items, not already a suspect.
  const coherent = [...before.labels].sort((a, b) => b.purity - a.purity)[0]!.label;
  const other = before.labels.find((l) => l.label !== coherent)!.label;
  const suspects = new Set(before.mislabelled.map((m) => m.id));
  const victim = rows
    .filter((r) => r.label === coherent && !suspects.has(r.id) && r.id !== copied.id)
    .slice(0, 6)
    .map((r) => ({ r, same: loupeJson<{ items: { id: string }[] }>(['similar', r.id, '-k', '10', '--data', data]).items.filter((n) => rows.find((x) => x.id === n.id)?.label === coherent).length }))
    .sort((a, b) => b.same - a.same)[0]!.r;
  assert.equal(loupeJson<{ updated: number }>(['ingest', catalogue({ id: victim.id, label: other }), '--data', data]).updated, 1);

  const out = path.join(work, 'out');
  const fixes = path.join(work, 'fixes.csv');
  const after = loupeJson<Quality>(['quality', '--data', data, '--fix-list', fixes, '--out', out]);
  const rank = after.mislabelled.findIndex((m) => m.id === victim.id);
  assert.ok(rank >= 0, `the relabelled item is a suspect (${after.mislabelled.length} suspects)`);
  assert.ok(rank < Math.max(10, after.mislabelled.length * 0.25), `it ranks near the top (rank ${rank + 1} of ${after.mislabelled.length})`);
  assert.equal(after.mislabelled[rank]!.suggested, coherent, 'the neighbours suggest the true label');
  for (let i = 1; i < after.mislabelled.length; i++) assert.ok(after.mislabelled[i - 1]!.confidence >= after.mislabelled[i]!.confidence, 'ranked by confidence');

  // The HTML shows the duplicate pair as thumbnails copied beside the page.
  const html = fs.readFileSync(path.join(out, 'quality.html'), 'utf8');
  for (const id of [copied.id, dupId]) {
    const hash = after.images[id]!;
    assert.match(html, new RegExp(`thumbs/${hash}\\.webp`));
    assert.ok(fs.statSync(path.join(out, 'thumbs', `${hash}.webp`)).size > 0);
  }
  assert.match(html, new RegExp(victim.id));

  // The fix list drops the copy and relabels the victim; applying it repairs the catalogue.
  const csv = fs.readFileSync(fixes, 'utf8');
  assert.match(csv, new RegExp(`^${dupId},drop,`, 'm'));
  assert.match(csv, new RegExp(`^${victim.id},relabel,${coherent},mislabelled,`, 'm'));
  const applied = loupeJson<{ relabelled: number; dropped: number; unknown: string[] }>(['quality', '--apply', fixes, '--data', data]);
  assert.equal(applied.dropped, 1);
  assert.ok(applied.relabelled >= 1);
  assert.deepEqual(applied.unknown, []);
  const fixed = loupeJson<Quality>(['quality', '--data', data]);
  assert.equal(fixed.items, rows.length);
  assert.equal(fixed.counts.exactDuplicateClusters, 0);
  assert.ok(!fixed.mislabelled.some((m) => m.id === victim.id), 'the victim carries its true label again');
  const similar = loupe(['similar', dupId, '--data', data, '--json']);
  assert.equal(similar.code, 1, 'the dropped copy is gone from the serving index too');
});
