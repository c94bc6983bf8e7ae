import fs from 'node:fs';
import path from 'node:path';
import { versionDir, type DataPaths } from '../config.js';
import { Calibrator, type CalibratorJson } from '../embedding/tagger.js';
import type { IndexRegistry } from '../index/registry.js';
import type { Db } from '../store/db.js';
import { getItem, getItems } from '../store/item-views.js';
import { resolveVersion } from '../store/served-version.js';
import { imageQueryVector } from '../vision/query-vectors.js';
import { DEFAULT_MAX_PIXELS } from '../vision/decode.js';
import { LoupeError, notFound } from '../errors.js';
import type { AppServices } from './context.js';

export interface TagSuggestion {
  label: string;
  /** Calibrated probability that the label is right (raw neighbour vote share when uncalibrated). */
  probability: number;
  /** How many of the k neighbours carry the label. */
  support: number;
}

export interface TagResult {
  version: string;
  calibrated: boolean;
  threshold: number;
  tags: TagSuggestion[];
}

const calibrators = new Map<string, Calibrator | null>();

function calibratorOf(paths: DataPaths, version: string): Calibrator | null {
  const file = path.join(versionDir(paths, version), 'calibrator.json');
  if (!calibrators.has(file)) {
    calibrators.set(file, fs.existsSync(file) ? new Calibrator(JSON.parse(fs.readFileSync(file, 'utf8')) as CalibratorJson) : null);
  }
  return calibrators.get(file)!;
}

/**
 * Suggests labels from the user's own taxonomy: the labels of the vector's nearest catalogue items,
 * similarity-weighted, turned into probabilities by the version's calibrator (fit at train time on
 * items the model never fitted). Reads stored vectors only.
 */
export async function suggestTags(
  db: Db,
  paths: DataPaths,
  indexes: IndexRegistry,
  version: string,
  vec: ArrayLike<number>,
  opts: { k?: number; threshold?: number; excludeId?: string } = {},
): Promise<TagResult> {
  const k = opts.k ?? 10;
  const threshold = opts.threshold ?? 0.5;
  const index = await indexes.get(version);
  const neighbours = index.search(vec, k, opts.excludeId ? new Set([opts.excludeId]) : undefined);
  const views = await getItems(
    db,
    neighbours.map((n) => n.id),
  );
  const votes = new Map<string, { w: number; n: number }>();
  let total = 0;
  for (const n of neighbours) {
    const w = Math.max(n.score, 0) + 1e-6;
    total += w;
    for (const label of views.get(n.id)?.labels ?? []) {
      const v = votes.get(label) ?? { w: 0, n: 0 };
      votes.set(label, { w: v.w + w, n: v.n + 1 });
    }
  }
  const calibrator = calibratorOf(paths, version);
  const tags = [...votes]
    .map(([label, v]) => {
      const share = total > 0 ? v.w / total : 0;
      return { label, probability: calibrator ? calibrator.apply(share) : share, support: v.n };
    })
    .filter((t) => t.probability >= threshold)
    .sort((a, b) => b.probability - a.probability || a.label.localeCompare(b.label));
  return { version, calibrated: calibrator !== null, threshold, tags };
}

export interface TagOptions {
  k: number;
  threshold: number;
  version?: string | undefined;
}

/** Tags for a catalogue item, from its stored vector (`loupe tag ID`, `GET /api/items/:id/tags`). */
export async function tagItem(s: Pick<AppServices, 'db' | 'paths' | 'indexes'>, id: string, opts: TagOptions): Promise<TagResult & { item: string }> {
  const version = opts.version !== undefined ? await resolveVersion(s.db, opts.version) : (s.indexes.defaultVersion ?? (await resolveVersion(s.db, undefined)));
  const vec = (await s.indexes.get(version)).vector(id);
  if (!vec) {
    if (!(await getItem(s.db, id))) throw notFound(`no item with id '${id}'`);
    throw new LoupeError('conflict', `item '${id}' has no '${version}' vector yet`);
  }
  return { item: id, ...(await suggestTags(s.db, s.paths, s.indexes, version, vec, { k: opts.k, threshold: opts.threshold, excludeId: id })) };
}

/** Tags for an outside photo, encoded now by the version's backbone (`loupe tag --image FILE`). */
export async function tagImage(s: Pick<AppServices, 'db' | 'paths' | 'indexes' | 'encoders'>, bytes: Uint8Array, opts: TagOptions & { maxPixels?: number }): Promise<TagResult> {
  const version = await resolveVersion(s.db, opts.version);
  const vec = await imageQueryVector(s.db, s.paths, s.encoders, version, bytes, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  return suggestTags(s.db, s.paths, s.indexes, version, vec, { k: opts.k, threshold: opts.threshold });
}
