import type { IndexRegistry } from '../index/registry.js';
import { resolveVersion } from '../store/served-version.js';
import type { Db } from '../store/db.js';
import { dropItems, existingItemIds, qualityItems, relabelItems } from '../store/quality.js';
import { listVersions } from '../store/vectors.js';
import { qualityFindings, type NeighbourList } from '../quality/findings.js';
import { fixRows, type ParsedFixes } from '../quality/fixlist.js';
import { QUALITY_PROTOCOL, type QualityReport, type QualityRunOptions } from '../quality/quality-report.js';

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
  const images = Object.fromEntries(items.flatMap((it) => (named.has(it.id) && it.imageHash !== null ? [[it.id, it.imageHash]] : [])));
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
