import { after } from 'node:test';
import pg from 'pg';

/**
 * Which database the integration tests run against. Unset LOUPE_TEST_PG_URL: embedded PGlite in
 * each test's data dir, as a user gets by default. Set (postgres://.../postgres on a throwaway
 * cluster): each call creates a fresh database on that server, dropped when the test file ends.
 */
export const TEST_PG_URL = process.env.LOUPE_TEST_PG_URL || undefined;
export const TEST_BACKEND: 'pglite' | 'postgres' = TEST_PG_URL ? 'postgres' : 'pglite';

const created: string[] = [];
// Registered when the test file imports this module: a hook registered later, from inside a
// before() hook, would run as soon as that hook ends.
after(async () => {
  for (const db of created.splice(0)) await adminQuery(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
});

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own on the test PostgreSQL server; undefined (use PGlite) when none is set. */
export async function freshDbUrl(): Promise<string | undefined> {
  if (!TEST_PG_URL) return undefined;
  const name = `loupe_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  created.push(name);
  return withDatabase(TEST_PG_URL, name);
}

/**
 * Points this test process, and every CLI it spawns, at a fresh database through LOUPE_DB.
 * On PGlite it clears LOUPE_DB so a developer's own setting never leaks into the tests.
 */
export async function useFreshDatabase(): Promise<string | undefined> {
  const url = await freshDbUrl();
  if (url) process.env.LOUPE_DB = url;
  else delete process.env.LOUPE_DB;
  return url;
}
