import fs from 'node:fs';
import { dataPaths, type DataPaths } from '../config.js';
import { IndexRegistry } from '../index/registry.js';
import { openDb, type Db } from '../store/db.js';
import type { CommandContext } from './command.js';

export interface Opened {
  db: Db;
  paths: DataPaths;
  indexes: IndexRegistry;
}

/** Opens the data dir's database (embedded or PostgreSQL) for one CLI verb and always closes it. */
export async function withStore<T>(ctx: CommandContext, fn: (o: Opened) => Promise<T>): Promise<T> {
  const paths = dataPaths(ctx.dataDir);
  fs.mkdirSync(paths.root, { recursive: true });
  const db = await openDb({ url: ctx.dbUrl, dir: paths.db });
  try {
    return await fn({ db, paths, indexes: new IndexRegistry(db, paths.index) });
  } finally {
    await db.close();
  }
}
