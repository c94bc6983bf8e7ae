import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { LoupeError } from '../errors.js';
import { migrate } from './migrations.js';
import { PgListener } from './pg-listen.js';
import type { Db, Queryable } from './queryable.js';
import { txTracerFromEnv, type TxTracer } from './tx-trace.js';

export type { Db, Queryable } from './queryable.js';

type CopyFromBlob = NonNullable<Queryable['copyFromBlob']>;

type ListenFn = Db['listen'];

export interface OpenDbOptions {
  /** `postgres://...` selects PostgreSQL; otherwise an embedded PGlite database lives in `dir`. */
  url?: string | undefined;
  dir: string;
}

function wrapClient(client: pg.PoolClient | pg.Pool, copyFromBlob?: CopyFromBlob): Queryable {
  return {
    async query<R extends object>(sql: string, params?: readonly unknown[]) {
      const res = await client.query(sql, params as unknown[] | undefined);
      return res.rows as R[];
    },
    ...(copyFromBlob ? { copyFromBlob } : {}),
  };
}

class PoolDb implements Db {
  private readonly root: Queryable;
  private readonly trace: TxTracer | undefined = txTracerFromEnv();
  constructor(
    readonly kind: Db['kind'],
    private readonly pool: pg.Pool,
    private readonly listenFn: ListenFn,
    private readonly onClose: () => Promise<void>,
    /** PGlite's one session: the transaction's pooled client holds it, so a direct COPY lands inside that transaction. */
    private readonly copyInTransaction?: CopyFromBlob,
  ) {
    this.root = wrapClient(pool);
  }
  query<R extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.root.query<R>(sql, params);
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      this.trace?.mark('begin');
      const out = await fn(wrapClient(client, this.copyInTransaction));
      if (this.trace) {
        await this.trace.hold();
        this.trace.mark('commit');
      }
      await client.query('COMMIT');
      return out;
    } catch (err) {
      this.trace?.mark('rollback');
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    return this.listenFn(channel, fn);
  }
  async close(): Promise<void> {
    await this.pool.end();
    await this.onClose();
  }
}

/**
 * PGlite is single-process: a second process opening the same files would corrupt them.
 * A pid lock file refuses that with a clear message; a lock left by a killed process is taken over.
 */
function acquireDirLock(lockPath: string): () => void {
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, mine, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === mine) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new LoupeError(
          'unavailable',
          `the database in ${path.dirname(lockPath)} is in use by process ${holder} (a running \`loupe serve\`?); ` + 'stop it, or use its HTTP API, or move to PostgreSQL with --db',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(dir: string): Promise<Db> {
  const [{ PGlite }, { vector }, { createPgConfig }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-pgvector'), import('@electric-sql/pglite/node-postgres')]);
  fs.mkdirSync(dir, { recursive: true });
  const releaseLock = acquireDirLock(`${dir}.lock`);
  let pglite;
  try {
    pglite = await PGlite.create(dir, { extensions: { vector } });
  } catch (err) {
    releaseLock();
    throw err;
  }
  await pglite.exec('CREATE EXTENSION IF NOT EXISTS vector');
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  const embedded = pglite;
  const listen: ListenFn = (channel, fn) => embedded.listen(channel, fn);
  const copyFromBlob: CopyFromBlob = async (sql, data) => {
    await embedded.query(sql, [], { blob: new Blob([data]) });
  };
  return new PoolDb(
    'pglite',
    pool,
    listen,
    async () => {
      await pglite.close();
      releaseLock();
    },
    copyFromBlob,
  );
}

async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle pooled connection that drops (server restart, DROP DATABASE ... FORCE) is discarded by
  // the pool; without a listener its 'error' would crash the process.
  pool.on('error', () => undefined);
  try {
    const setup = await pool.connect();
    try {
      // Serialised with other starting processes: concurrent CREATE EXTENSION can fail on a unique key.
      await setup.query('SELECT pg_advisory_lock(7406116)');
      try {
        await setup.query('CREATE EXTENSION IF NOT EXISTS vector');
      } finally {
        await setup.query('SELECT pg_advisory_unlock(7406116)');
      }
    } finally {
      setup.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const listener = new PgListener(url);
  return new PoolDb(
    'postgres',
    pool,
    (channel, fn) => listener.listen(channel, fn),
    () => listener.close(),
  );
}

/** Opens the database and brings its schema up to date. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const url = opts.url ?? process.env.LOUPE_DB;
  if (url && !/^postgres(ql)?:\/\//.test(url)) {
    throw new LoupeError('bad_request', `--db / LOUPE_DB must be a postgres://... or postgresql://... URL (got '${url.split('@').pop()}'); leave it unset for the embedded database`);
  }
  const db = url ? await openPostgres(url) : await openPglite(opts.dir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** pgvector's text form of a vector, for `$n::vector` parameters. */
export function toVectorSql(v: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

/** Parses pgvector's text form (`[1,2,3]`), as returned by `vec::text`. */
export function parseVectorSql(text: string): Float32Array {
  const body = text.trim().slice(1, -1);
  if (!body) return new Float32Array(0);
  const parts = body.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}
