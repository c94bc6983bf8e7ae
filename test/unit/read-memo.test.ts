/** memoReads: one request's identical reads run once; writes and different parameters pass through. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/store/db.js';
import { memoReads } from '../../src/store/read-memo.js';

function fakeDb(): { db: Db; calls: string[] } {
  const calls: string[] = [];
  let failNext = false;
  const db = {
    kind: 'pglite',
    async query(sql: string, params?: readonly unknown[]) {
      calls.push(`${sql} ${JSON.stringify(params ?? [])}`);
      if (sql === 'SELECT fail') {
        failNext = !failNext;
        if (failNext) throw new Error('once');
      }
      return [{ n: calls.length }];
    },
    transaction: async () => undefined,
    listen: async () => async () => undefined,
    close: async () => undefined,
  } as unknown as Db;
  return { db, calls };
}

test('memoReads: the same SELECT with the same parameters runs once; other parameters and writes run each time', async () => {
  const { db, calls } = fakeDb();
  const m = memoReads(db);
  const a = await m.query('SELECT * FROM versions WHERE name = $1', ['v1']);
  const b = await m.query('SELECT * FROM versions WHERE name = $1', ['v1']);
  assert.equal(a, b);
  await m.query('SELECT * FROM versions WHERE name = $1', ['v2']);
  await m.query('INSERT INTO promotions (version) VALUES ($1)', ['v1']);
  await m.query('INSERT INTO promotions (version) VALUES ($1)', ['v1']);
  await m.query('SELECT id FROM job_tasks FOR UPDATE');
  await m.query('SELECT id FROM job_tasks FOR UPDATE');
  assert.equal(calls.length, 6);
  assert.equal(m.kind, 'pglite');
  // A fresh view reads again.
  await memoReads(db).query('SELECT * FROM versions WHERE name = $1', ['v1']);
  assert.equal(calls.length, 7);
});

test('memoReads: a failed read is not remembered', async () => {
  const { db, calls } = fakeDb();
  const m = memoReads(db);
  await assert.rejects(m.query('SELECT fail'));
  assert.deepEqual(await m.query('SELECT fail'), [{ n: 2 }]);
  assert.equal(calls.length, 2);
});
