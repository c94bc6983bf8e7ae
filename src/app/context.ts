import type { CatalogueCounts } from './catalogue-counts.js';
import type { DataPaths } from '../config.js';
import type { IndexRegistry } from '../index/registry.js';
import type { EncoderPool } from '../vision/encoder-pool.js';
import type { Db } from '../store/db.js';
import type { LiveBus } from './live.js';

/** What every use case and route may use: the doors, opened once per process. */
export interface AppServices {
  db: Db;
  paths: DataPaths;
  indexes: IndexRegistry;
  encoders: EncoderPool;
  live: LiveBus;
  /** Whole-catalogue counts, kept until the next data change. */
  counts: CatalogueCounts;
  /** Writes need `Authorization: Bearer <apiKey>`; unset means writes are refused off loopback. */
  apiKey: string | undefined;
  /** Upload limits for image search. */
  limits: { uploadBytes: number; maxPixels: number };
}
