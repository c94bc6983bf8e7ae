import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../src/store/db.js';
import { freshDbUrl } from '../helpers/backend.js';
import { loupe, loupeJson } from '../helpers/cli.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { killMidBatch, startWorker } from '../helpers/worker.js';

// Shop the look on the catalogue through the queue: `loupe encode --objects --enqueue` splits the
// object scan into tasks that `loupe worker` processes share; a worker killed mid-task has its task
// redone, and the stored objects are the ones the in-process `loupe encode --objects` stores.
delete process.env.LOUPE_DB;

// Two photos of a person wearing the garment (garment regions) and three product photos.
const WORN = ['10cc325b-f31b-4acd-adcc-ed668da293bf', '053689bb-5928-489b-aeaf-dfb969b05e93'];
const all = sampleRows();
const rows = [...WORN.map((id) => all.find((r) => r.id === id)!), ...all.filter((r) => !WORN.includes(r.id)).slice(0, 3)];
const ids = rows.map((r) => r.id).sort();

interface Enqueued {
  job: { id: number } | null;
  created: boolean;
  items: number;
  tasks: number;
}

function catalogue(dir: string): string {
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const lines = rows.map((r) => {
    fs.copyFileSync(r.image, path.join(dir, 'images', path.basename(r.image)));
    return `${r.id},images/${path.basename(r.image)},${r.label},${r.group}`;
  });
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, ['id,image,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

async function storedObjects(url: string | undefined, data: string) {
  const db = await openDb({ ...(url ? { url } : {}), dir: path.join(data, 'db') });
  try {
    const scans = await db.query<{ item_id: string; version: string; width: number; height: number }>('SELECT item_id, version, width, height FROM object_scans ORDER BY item_id, version');
    const objects = await db.query<{ item_id: string; box_index: number; box: number[]; label: string; score: number; vec: string }>(
      'SELECT item_id, box_index, box, label, score, vec::text AS vec FROM object_vectors ORDER BY item_id, version, box_index',
    );
    const scannedBy = await db.query<{ item: string; n: string }>(
      `SELECT item, count(*) AS n FROM job_task_runs r JOIN job_tasks t ON t.id = r.task_id, unnest(r.processed) AS item
        WHERE t.kind = 'objects' AND r.outcome = 'done' GROUP BY item ORDER BY item`,
    );
    const jobs = await db.query<{ kind: string; status: string; done: number; total: number }>(`SELECT kind, status, done, total FROM jobs WHERE params->>'queued' = 'true' ORDER BY id`);
    return {
      scans,
      objects: objects.map((o) => ({ ...o, vec: o.vec.slice(1, -1).split(',').map(Number) })),
      scannedBy: scannedBy.map((r) => [r.item, Number(r.n)]),
      jobs,
    };
  } finally {
    await db.close();
  }
}

test('encode --objects --enqueue: workers share the scan, a killed worker’s task is redone, and the stored objects match the in-process scan', { timeout: 600_000 }, async () => {
  const work = tempDir('worker-objects');
  const inline = { url: await freshDbUrl(), data: path.join(work, 'inline') };
  const queued = { url: await freshDbUrl(), data: path.join(work, 'queued') };
  const args = (s: typeof inline) => [...(s.url ? ['--db', s.url] : []), '--data', s.data];
  const file = catalogue(work);
  for (const s of [inline, queued]) assert.equal(loupeJson<{ ingested: number }>(['ingest', file, ...args(s)]).ingested, rows.length);

  const here = loupeJson<{ objects: { scanned: number; errors: unknown[] } }>(['encode', '--objects', ...args(inline)]).objects;
  assert.deepEqual([here.scanned, here.errors], [rows.length, []]);

  const out = loupeJson<{ enqueued: Enqueued; objects: { enqueued: Enqueued } }>(['encode', '--enqueue', '--objects', '--task-size', '2', ...args(queued)]);
  assert.deepEqual([out.enqueued.created, out.enqueued.items, out.enqueued.tasks], [true, rows.length, 3]);
  assert.deepEqual([out.objects.enqueued.created, out.objects.enqueued.items, out.objects.enqueued.tasks], [true, rows.length, 3]);
  const again = loupeJson<{ objects: { enqueued: Enqueued } }>(['encode', '--enqueue', '--objects', '--task-size', '2', ...args(queued)]);
  assert.deepEqual([again.objects.enqueued.created, again.objects.enqueued.job?.id], [false, out.objects.enqueued.job!.id], 'the open objects job is returned, not queued twice');

  const a = startWorker([...args(queued), '--lease', '3', '--poll', '1', '--until-idle', '--concurrency', '1']);
  const killedTask = await killMidBatch(a, 'objects');
  const b = loupe(['worker', ...args(queued), '--lease', '3', '--poll', '1', '--until-idle', '--json']);
  assert.equal(b.code, 0, b.stderr);
  const report = JSON.parse(b.stdout) as { tasks: { failed: number }; objects: number; errors: unknown[] };
  assert.deepEqual([report.tasks.failed, report.errors], [0, []]);
  assert.ok(report.objects > 0, 'the second worker stored object vectors');
  assert.match(b.stderr, new RegExp(`claimed task ${killedTask} \\(objects, 2 item\\(s\\), attempt 2\\)`));

  const want = await storedObjects(inline.url, inline.data);
  const got = await storedObjects(queued.url, queued.data);
  assert.deepEqual(
    got.scannedBy,
    ids.map((id) => [id, 1]),
    'every photo scanned by exactly one committed task run',
  );
  assert.deepEqual(
    got.jobs.map((j) => [j.kind, j.status, j.done === j.total]),
    [
      ['encode', 'done', true],
      ['objects', 'done', true],
    ],
  );
  assert.deepEqual(got.scans, want.scans, 'one scan per photo, of the same size');
  assert.deepEqual(new Set(want.scans.map((s) => s.item_id)), new Set(ids));
  assert.ok(want.objects.filter((o) => WORN.includes(o.item_id)).length >= 6, 'garment regions found on the worn photos');
  const strip = (o: (typeof want.objects)[number]) => ({ ...o, vec: undefined });
  assert.deepEqual(got.objects.map(strip), want.objects.map(strip), 'the same boxes, labels and scores');
  for (const [i, o] of got.objects.entries()) {
    const diff = Math.max(...o.vec.map((x, d) => Math.abs(x - want.objects[i]!.vec[d]!)));
    assert.ok(diff < 1e-4, `${o.item_id} box ${o.box_index}: vectors differ by ${diff}`);
  }

  const nothing = loupeJson<{ objects: { enqueued: Enqueued } }>(['encode', '--enqueue', '--objects', ...args(queued)]);
  assert.equal(nothing.objects.enqueued.job, null, 'nothing left to scan');
  const scene = loupeJson<{ item: string; objects: { label: string; items: { id: string }[] }[] }>(['search', '--item', WORN[0]!, '--objects', '-k', '2', ...args(queued)]);
  assert.ok(scene.objects.length >= 3 && scene.objects.every((o) => o.items.length === 2 && o.items.every((n) => n.id !== WORN[0])));
});
