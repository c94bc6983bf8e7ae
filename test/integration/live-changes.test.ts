import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ingestCatalogue } from '../../src/catalog/ingest.js';
import { encodeMissing } from '../../src/app/encode.js';
import { startServer } from '../../src/server/runtime.js';
import { promoteVersion } from '../../src/store/vectors.js';
import { DEFAULT_ENCODER } from '../../src/vision/encoders.js';
import { TEST_BACKEND, useFreshDatabase } from '../helpers/backend.js';
import { loupeJson } from '../helpers/cli.js';
import { recordSse, type SseRecorder } from '../helpers/sse.js';
import { sampleRows, tempDir, writeSubsetCatalogue } from '../helpers/tmp.js';

/**
 * Data changes reach `/api/live` from the database itself: on PostgreSQL a write by another
 * process (the CLI) arrives through LISTEN/NOTIFY; embedded, PGlite delivers the same NOTIFY
 * in-process (a second process may not open a PGlite folder).
 */
await useFreshDatabase();
const N = 12;
const work = tempDir('live');
const data = path.join(work, 'data');
const rows = sampleRows().slice(0, N);
let run: Awaited<ReturnType<typeof startServer>>;
let live: SseRecorder;

before(async () => {
  run = await startServer({ dataDir: data, dbUrl: undefined, port: 0, host: '127.0.0.1', apiKey: undefined });
  live = await recordSse(`${run.server.url}/api/live`);
  await live.waitFor((e) => e.event === 'hello');
});
after(async () => {
  live?.close();
  await run?.stop();
});

const isItems = (e: { event: string; data: unknown }) => e.event === 'items' && (e.data as { action: string }).action === 'ingested';

test(`writes committed ${TEST_BACKEND === 'postgres' ? 'by another process' : 'in-process'} appear on /api/live and in the served index`, async () => {
  const catalogue = writeSubsetCatalogue(work, N);
  if (TEST_BACKEND === 'postgres') {
    assert.equal(loupeJson<{ ingested: number }>(['ingest', catalogue, '--data', data]).ingested, N);
  } else {
    assert.equal((await ingestCatalogue(run.services.db, run.services.paths, catalogue)).ingested, N);
  }
  const items = (await live.waitFor(isItems)).data as { count: number; ids: string[] };
  assert.equal(items.count, N, 'one coalesced event counts every new item');
  assert.deepEqual(new Set(items.ids), new Set(rows.map((r) => r.id)));

  if (TEST_BACKEND === 'postgres') {
    assert.equal(loupeJson<{ encoded: number }>(['encode', '--data', data]).encoded, N);
  } else {
    const encoder = await run.services.encoders.get(DEFAULT_ENCODER);
    assert.equal((await encodeMissing(run.services.db, run.services.paths, encoder, { version: 'generic', encoderSpec: DEFAULT_ENCODER })).encoded, N);
  }
  const vectors = await live.waitFor((e) => e.event === 'vectors' && (e.data as { count: number }).count === N);
  assert.equal((vectors.data as { version: string }).version, 'generic');

  // The server's own index caught up from the notification: more-like-this serves the new items.
  const similar = (await (await fetch(`${run.server.url}/api/items/${encodeURIComponent(rows[0]!.id)}/similar?k=5`)).json()) as { items: { id: string }[] };
  assert.equal(similar.items.length, 5);
  assert.ok(similar.items.every((i) => rows.some((r) => r.id === i.id) && i.id !== rows[0]!.id));
});

test('a promotion made elsewhere switches the served default version live', async () => {
  if (TEST_BACKEND === 'postgres') loupeJson(['promote', 'generic', '--data', data]);
  else await promoteVersion(run.services.db, 'generic');
  const promoted = await live.waitFor((e) => e.event === 'versions');
  assert.deepEqual(promoted.data, { type: 'versions', promoted: 'generic' });
  const health = (await (await fetch(`${run.server.url}/api/health`)).json()) as { db: string; items: number; version: string };
  assert.deepEqual(health, { status: 'ok', db: TEST_BACKEND, items: N, version: 'generic' });
});

test('re-ingesting changed rows is announced as updated, with the count the ingest reports', async () => {
  const seen = live.events.length;
  const [head, ...lines] = fs.readFileSync(writeSubsetCatalogue(work, N), 'utf8').trim().split('\n');
  const changed = path.join(work, 'retitled.csv');
  fs.writeFileSync(changed, [`${head},title`, ...lines.map((l, i) => `${l},${i < 2 ? `Retitled ${i}` : ''}`)].join('\n') + '\n');
  const result =
    TEST_BACKEND === 'postgres' ? loupeJson<{ ingested: number; updated: number }>(['ingest', changed, '--data', data]) : await ingestCatalogue(run.services.db, run.services.paths, changed);
  assert.equal(result.ingested, 0);
  assert.ok(result.updated >= 2, `the two retitled rows are updates (got ${result.updated})`);
  const updated = await live.waitFor((e) => e.event === 'items' && (e.data as { action: string }).action === 'updated');
  assert.equal((updated.data as { count: number }).count, result.updated);
  assert.ok(
    live.events.slice(seen).every((e) => !isItems(e)),
    'nothing was announced as new',
  );
});
