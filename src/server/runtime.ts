import { CatalogueCounts } from '../app/catalogue-counts.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataPaths } from '../config.js';
import { IndexRegistry } from '../index/registry.js';
import { EncoderPool } from '../vision/encoder-pool.js';
import { tasteService } from '../app/feed.js';
import { openDb } from '../store/db.js';
import { eventsState } from '../store/events.js';
import { listVersions, promotedVersion } from '../store/vectors.js';
import type { AppServices } from '../app/context.js';
import { LiveBus } from '../app/live.js';
import { bridgeDataChanges } from './live-changes.js';
import { listen, type RunningServer } from './serve.js';

export interface ServerConfig {
  dataDir: string;
  dbUrl: string | undefined;
  port: number;
  host: string;
  apiKey: string | undefined;
  uploadBytes?: number;
  maxPixels?: number;
  log?: (msg: string) => void;
  /** Train the feeds' models in the background once listening (default); false leaves it to the caller (see prepareFeeds). */
  prepareFeeds?: boolean;
}

/**
 * Trains the feed's collaborative models in the background now rather than on the first feed
 * request, when there are events to train on.
 */
export async function prepareFeeds(services: AppServices, log?: (msg: string) => void): Promise<void> {
  if ((await eventsState(services.db)).count === 0) return;
  const version = await promotedVersion(services.db);
  void tasteService(services)
    .engine(version)
    .then(() => log?.(`feeds ready for '${version}'`))
    .catch((err: Error) => log?.(`feeds not prepared: ${err.message}`));
}

/** The built UI ships beside dist/ at web/dist. */
export function defaultWebDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.resolve(here, '../../web/dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

/** Opens the doors, loads every serving index into memory, and listens. */
export async function startServer(cfg: ServerConfig, existing?: AppServices): Promise<{ server: RunningServer; services: AppServices; stop(): Promise<void> }> {
  const paths = dataPaths(cfg.dataDir);
  fs.mkdirSync(paths.root, { recursive: true });
  const db = existing?.db ?? (await openDb({ url: cfg.dbUrl, dir: paths.db }));
  const indexes = existing?.indexes ?? new IndexRegistry(db, paths.index);
  const services: AppServices = existing ?? {
    db,
    paths,
    indexes,
    encoders: new EncoderPool(paths),
    live: new LiveBus(),
    counts: new CatalogueCounts(db),
    apiKey: cfg.apiKey,
    limits: { uploadBytes: cfg.uploadBytes ?? 20_000_000, maxPixels: cfg.maxPixels ?? 50_000_000 },
  };
  for (const v of await listVersions(db)) {
    const r = await indexes.sync(v.name);
    cfg.log?.(`index ${v.name}: ${r.size} vectors`);
  }
  indexes.defaultVersion = await promotedVersion(db);
  // Writes from other processes (a CLI ingest, workers on PostgreSQL) reach the index and /api/live.
  const stopChanges = await bridgeDataChanges(services, { log: cfg.log });
  const webDir = defaultWebDir();
  let server: RunningServer;
  try {
    server = await listen(services, { port: cfg.port, host: cfg.host, ...(webDir ? { webDir } : {}) });
  } catch (err) {
    await stopChanges();
    if (!existing) await db.close();
    throw err;
  }
  if (cfg.prepareFeeds !== false) await prepareFeeds(services, cfg.log);
  return {
    server,
    services,
    async stop() {
      await server.close();
      await stopChanges();
      await services.encoders.close();
      await db.close();
    },
  };
}
