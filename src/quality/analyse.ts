import type { IndexRegistry } from '../index/registry.js';
import { resolveVersion } from '../store/served-version.js';
import type { Db } from '../store/db.js';
import { dropItems, existingItemIds, qualityItems, relabelItems } from '../store/quality.js';
import { listVersions } from '../store/vectors.js';
import { qualityFindings, type NeighbourList, type QualityFindings, type QualityOptions } from './findings.js';
import { fixRows, type FixRow, type ParsedFixes } from './fixlist.js';

export interface QualityRunOptions extends Partial<QualityOptions> {
  /** Embedding version whose neighbourhoods are read (default: the promoted one). */
  version?: string | undefined;
  /** Neighbours per item (default 10). */
  k?: number | undefined;
}

export interface QualityReport extends QualityFindings {
  version: string;
  /** Items that have no vector in the version yet (not checked by the embedding-based findings). */
  withoutVector: number;
  protocol: string;
  /** Content hash of every item a finding names, for thumbnails (`/thumbs/<hash>`). */
  images: Record<string, string>;
  fixes: FixRow[];
}

export const QUALITY_PROTOCOL =
  'Exact duplicates share a content hash (sha256 of the bytes). Near duplicates: different images whose cosine distance is under ' +
  "median - z x MAD of the catalogue's nearest-neighbour distances, clustered with union-find. Likely mislabelled: another label holds " +
  ">= 50% of the similarity-weighted vote of the k nearest labelled neighbours and more than the item's own labels; ranked by the margin. " +
  'Outliers: mean distance to the k neighbours above median + z x MAD. Classes too small: fewer items than the minimum. Incoherent classes: ' +
  'members\' neighbours share the label less than `min lift` times the chance rate (catch-alls such as "not sure" look like this).';

/** Runs every check over the stored catalogue and one version's serving index. Reads only. */
export async function analyseQuality(db: Db, indexes: IndexRegistry, opts: QualityRunOptions = {}): Promise<QualityReport> {
  const version = await resolveVersion(db, opts.version);
  const k = opts.k ?? 10;
  const index = await indexes.get(version);
  const items = await qualityItems(db);
  const knn: NeighbourList[] = [];
  for (const it of items) {
    const vec = index.vector(it.id);
    if (vec) knn.push({ id: it.id, neighbours: index.search(vec, k, new Set([it.id])) });
  }
  const findings = qualityFindings(items, knn, k, opts);
  const labelsOf = new Map(items.map((it) => [it.id, it.labels]));
  const fixes = fixRows(findings, labelsOf);
  const named = new Set<string>([
    ...findings.exactDuplicates.flatMap((c) => c.ids),
    ...findings.nearDuplicates.flatMap((c) => c.ids),
    ...findings.mislabelled.flatMap((m) => [m.id, ...m.neighbours]),
    ...findings.outliers.map((o) => o.id),
  ]);
  const images = Object.fromEntries(items.filter((it) => named.has(it.id)).map((it) => [it.id, it.imageHash]));
  return { version, withoutVector: items.length - knn.length, protocol: QUALITY_PROTOCOL, ...findings, images, fixes };
}

export interface ApplyFixesResult {
  relabelled: number;
  dropped: number;
  ignored: number;
  unknown: string[];
  errors: ParsedFixes['errors'];
}

/** Applies an edited fix list in one transaction, then lets the serving indexes drop removed items. */
export async function applyFixes(db: Db, indexes: IndexRegistry, fixes: ParsedFixes): Promise<ApplyFixesResult> {
  const { relabelled, dropped } = await db.transaction(async (tx) => ({
    relabelled: await relabelItems(tx, fixes.relabel),
    dropped: await dropItems(tx, [...fixes.drop]),
  }));
  const knownIds = new Set([...(await existingItemIds(db, [...fixes.relabel.keys()])), ...dropped]);
  const unknown = [...fixes.relabel.keys(), ...fixes.drop].filter((id) => !knownIds.has(id));
  if (dropped.length) {
    for (const v of await listVersions(db)) await indexes.sync(v.name);
  }
  return { relabelled: relabelled.length, dropped: dropped.length, ignored: fixes.ignored, unknown: [...new Set(unknown)].sort(), errors: fixes.errors };
}
