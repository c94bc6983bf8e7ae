import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { completeFirstStart, FIRST_VERSION } from '../../src/app/first-start.js';
import { runMainJob } from '../../src/app/main-job.js';
import { startServer } from '../../src/server/runtime.js';
import { eventsState } from '../../src/store/events.js';
import { vectorCounts } from '../../src/store/vector-counts.js';
import { listVersions } from '../../src/store/vectors.js';
import { sampleRows, tempDir } from '../helpers/tmp.js';
import { useFreshDatabase } from '../helpers/backend.js';

await useFreshDatabase();

// What `loupe demo` (npm start) does, three times on one data directory: a first start, a second
// start with nothing changed (every step skipped), and a start after the catalogue and events changed.
const work = tempDir('first-start');
const data = path.join(work, 'data');
const cat = path.join(work, 'cat');
const all = sampleRows();
const rows = all.filter((_, i) => i % 4 === 0);
const spare = all[1]!;

function writeCatalogue(titles: Map<string, string> = new Map()): string {
  fs.mkdirSync(path.join(cat, 'images'), { recursive: true });
  for (const r of rows) {
    const target = path.join(cat, 'images', path.basename(r.image));
    if (!fs.existsSync(target)) fs.copyFileSync(r.image, target);
  }
  const file = path.join(cat, 'items.csv');
  const lines = rows.map((r) => `${r.id},images/${path.basename(r.image)},${titles.get(r.id) ?? `${r.label} ${r.id.slice(0, 4)}`},${r.label},${r.group}`);
  fs.writeFileSync(file, ['id,image,title,labels,groups', ...lines].join('\n') + '\n');
  return file;
}

const events = path.join(cat, 'events.csv');
const eventLines = rows.slice(0, 30).map((r, i) => `shopper-${i % 5},${r.id},${i % 3 ? 'view' : 'save'},2024-03-01T10:${String(i).padStart(2, '0')}:00Z`);

async function start(catalogue: string) {
  const run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
  try {
    const job = await runMainJob(run.services, catalogue);
    const first = await completeFirstStart(run.services, { eventsFile: events });
    const counts = await vectorCounts(run.services.db);
    const versions = (await listVersions(run.services.db)).map((v) => ({ ...v, count: counts.get(v.name) ?? 0 }));
    return { job, first, versions, events: await eventsState(run.services.db) };
  } finally {
    await run.stop();
  }
}

test('a second start with nothing changed retrains nothing, re-encodes nothing and re-imports nothing', async () => {
  fs.mkdirSync(cat, { recursive: true });
  fs.writeFileSync(events, ['user,item,action,ts', ...eventLines].join('\n') + '\n');
  const catalogue = writeCatalogue();

  const one = await start(catalogue);
  assert.equal(one.job.ingest.ingested, rows.length);
  assert.equal(one.job.encode.encoded, rows.length);
  assert.equal(one.first.version.trained, true);
  assert.ok(one.versions.some((v) => v.name === FIRST_VERSION && v.status === 'ready'));
  assert.deepEqual([one.first.events?.imported, one.first.events?.unchanged], [eventLines.length, false]);

  const two = await start(catalogue);
  assert.deepEqual([two.job.ingest.ingested, two.job.ingest.updated, two.job.ingest.unchanged], [0, 0, rows.length]);
  assert.equal(two.job.encode.encoded, 0);
  assert.equal(two.first.version.trained, false, 'the trained version is not retrained');
  assert.deepEqual(
    two.versions.map((v) => [v.name, v.count]),
    one.versions.map((v) => [v.name, v.count]),
    'no version added or changed',
  );
  assert.deepEqual([two.first.events?.imported, two.first.events?.unchanged], [0, true], 'the unchanged events file is not read again');
  assert.deepEqual(two.events, one.events);

  // Then something changes: one photo replaced, one title edited, one event appended.
  const [photoChanged, titleChanged] = rows;
  fs.copyFileSync(spare.image, path.join(cat, 'images', path.basename(photoChanged!.image)));
  const edited = writeCatalogue(new Map([[titleChanged!.id, 'A new title']]));
  fs.appendFileSync(events, `shopper-9,${titleChanged!.id},purchase,2024-03-02T10:00:00Z\n`);

  const three = await start(edited);
  assert.deepEqual([three.job.ingest.ingested, three.job.ingest.updated, three.job.ingest.unchanged], [0, 2, rows.length - 2]);
  assert.equal(three.job.encode.encoded, 1, 'the item whose photo changed is encoded again');
  assert.equal(three.first.version.trained, false);
  assert.equal(three.versions.find((v) => v.name === FIRST_VERSION)?.count, rows.length, 'the trained version gets the new vector');
  assert.deepEqual([three.first.events?.imported, three.first.events?.unchanged], [1, false], 'a changed events file is imported again; only the new row lands');
  assert.equal(three.events.count, one.events.count + 1);
});
