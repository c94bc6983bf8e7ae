import { UnionFind } from './union-find.js';

/**
 * Data-quality findings over a catalogue's items and their embedding neighbours. Pure: the
 * caller supplies each item's k nearest neighbours (from a serving index or brute force).
 */

export interface QualityItem {
  id: string;
  /** sha256 of the image bytes: equal hashes are exact duplicates. Null: the item has no photo. */
  imageHash: string | null;
  labels: readonly string[];
}

export interface NeighbourList {
  id: string;
  /** Nearest first, the item itself excluded; score is cosine similarity. */
  neighbours: readonly { id: string; score: number }[];
}

export interface QualityOptions {
  /** Robust z-score under which a nearest-neighbour distance counts as a near duplicate (default 3). */
  nearDuplicateZ: number;
  /** Fixed cosine-distance threshold for near duplicates, overriding the derived one. */
  nearDuplicateDistance?: number | undefined;
  /** Robust z-score of the mean k-NN distance above which an item is an outlier (default 3.5). */
  outlierZ: number;
  /** Labels with fewer items than this are too small to learn (default 5). */
  minClassSize: number;
  /** A label whose members' neighbours share it less than this many times the chance rate looks visually incoherent (default 2). */
  minClassLift: number;
}

export const DEFAULT_QUALITY_OPTIONS: QualityOptions = { nearDuplicateZ: 3, outlierZ: 3.5, minClassSize: 5, minClassLift: 2 };

export interface DuplicateCluster {
  ids: string[];
  /** Exact: the shared content hash. Near: the largest pair distance that joined the cluster. */
  imageHash?: string;
  maxDistance?: number;
}

export interface MislabelSuspect {
  id: string;
  labels: string[];
  suggested: string;
  /** Similarity-weighted share of labelled neighbours carrying the suggested label, and the item's own best label. */
  suggestedShare: number;
  ownShare: number;
  /** suggestedShare - ownShare, in (0, 1]: how strongly the neighbours disagree. */
  confidence: number;
  neighbours: string[];
}

export interface Outlier {
  id: string;
  meanDistance: number;
  z: number;
}

export interface LabelStat {
  label: string;
  count: number;
  share: number;
  /** Mean share of a member's labelled neighbours that carry the label too. */
  purity: number;
  /** purity / the label's share among labelled items: 1 means neighbours carry it no more than chance. */
  lift: number;
  tooSmall: boolean;
  incoherent: boolean;
}

export interface QualityFindings {
  items: number;
  labelled: number;
  k: number;
  exactDuplicates: DuplicateCluster[];
  nearDuplicates: DuplicateCluster[];
  nearDuplicateThreshold: { distance: number; derived: boolean; medianNearest: number; madNearest: number };
  mislabelled: MislabelSuspect[];
  outliers: Outlier[];
  outlierThreshold: { meanDistance: number; median: number; mad: number };
  labels: LabelStat[];
  tooSmall: string[];
  incoherent: string[];
  counts: {
    exactDuplicateClusters: number;
    exactDuplicateItems: number;
    nearDuplicateClusters: number;
    nearDuplicateItems: number;
    mislabelled: number;
    outliers: number;
    tooSmall: number;
    incoherent: number;
  };
}

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median and scaled median absolute deviation (1.4826 x MAD estimates the standard deviation of normal data). */
export function robustSpread(values: readonly number[]): { median: number; mad: number } {
  const med = median(values);
  return { median: med, mad: 1.4826 * median(values.map((v) => Math.abs(v - med))) };
}

/** Items sharing one image (content hash) under different ids. */
export function exactDuplicates(items: readonly QualityItem[]): DuplicateCluster[] {
  const byHash = new Map<string, string[]>();
  for (const it of items) {
    if (it.imageHash === null) continue;
    let ids = byHash.get(it.imageHash);
    if (!ids) byHash.set(it.imageHash, (ids = []));
    ids.push(it.id);
  }
  return [...byHash.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([imageHash, ids]) => ({ ids: ids.sort(), imageHash }))
    .sort((a, b) => b.ids.length - a.ids.length || (a.ids[0]! < b.ids[0]! ? -1 : 1));
}

/**
 * Different images that embed almost on top of each other: a pair joins when its cosine distance is
 * under a threshold derived from the catalogue's own nearest-neighbour distances (a robust low
 * outlier), and pairs become clusters through union-find. Clusters made only of one image are exact
 * duplicates and are left to that finding.
 */
export function nearDuplicates(items: readonly QualityItem[], knn: readonly NeighbourList[], opts: QualityOptions): Pick<QualityFindings, 'nearDuplicates' | 'nearDuplicateThreshold'> {
  // An item with no photo shares it with no other item.
  const hash = new Map(items.map((it) => [it.id, it.imageHash ?? `no image: ${it.id}`]));
  // The spread of nearest distances between *different* images; exact copies would drag it to 0.
  const nearest = knn
    .map((l) => l.neighbours.find((n) => hash.get(n.id) !== hash.get(l.id)))
    .filter((n) => n !== undefined)
    .map((n) => 1 - n.score);
  const { median: med, mad } = robustSpread(nearest);
  const derived = opts.nearDuplicateDistance === undefined;
  const distance = derived ? Math.max(0, med - opts.nearDuplicateZ * mad) : opts.nearDuplicateDistance!;
  const uf = new UnionFind();
  const joinDistance = new Map<string, number>();
  for (const l of knn) {
    for (const n of l.neighbours) {
      const d = 1 - n.score;
      if (d > distance) break;
      if (hash.get(n.id) === hash.get(l.id)) continue;
      uf.union(l.id, n.id);
      for (const id of [l.id, n.id]) joinDistance.set(id, Math.max(joinDistance.get(id) ?? 0, d));
    }
  }
  const clusters = uf
    .groups(2)
    .filter((ids) => new Set(ids.map((id) => hash.get(id))).size > 1)
    .map((ids) => ({ ids, maxDistance: Math.max(...ids.map((id) => joinDistance.get(id) ?? 0)) }));
  return { nearDuplicates: clusters, nearDuplicateThreshold: { distance, derived, medianNearest: med, madNearest: mad } };
}

/** Similarity-weighted label shares among an item's labelled neighbours. */
function labelVotes(neighbours: readonly { id: string; score: number }[], labelsOf: Map<string, readonly string[]>): Map<string, number> | null {
  const votes = new Map<string, number>();
  let total = 0;
  for (const n of neighbours) {
    const ls = labelsOf.get(n.id);
    if (!ls?.length) continue;
    const w = Math.max(n.score, 1e-6);
    total += w;
    for (const l of ls) votes.set(l, (votes.get(l) ?? 0) + w);
  }
  if (total === 0) return null;
  for (const [l, v] of votes) votes.set(l, v / total);
  return votes;
}

/**
 * Labelled items whose neighbours mostly carry another label: the other label holds at least half
 * of the neighbours' vote and more than any of the item's own labels. Ranked by the margin.
 */
export function mislabelSuspects(items: readonly QualityItem[], knn: readonly NeighbourList[]): MislabelSuspect[] {
  const labelsOf = new Map(items.map((it) => [it.id, it.labels]));
  const out: MislabelSuspect[] = [];
  for (const l of knn) {
    const own = labelsOf.get(l.id);
    if (!own?.length) continue;
    const votes = labelVotes(l.neighbours, labelsOf);
    if (!votes) continue;
    const ownShare = Math.max(...own.map((x) => votes.get(x) ?? 0));
    let best = '';
    let bestShare = 0;
    for (const [label, share] of votes) if (!own.includes(label) && (share > bestShare || (share === bestShare && label < best))) [best, bestShare] = [label, share];
    if (bestShare >= 0.5 && bestShare > ownShare) {
      out.push({ id: l.id, labels: [...own], suggested: best, suggestedShare: bestShare, ownShare, confidence: bestShare - ownShare, neighbours: l.neighbours.map((n) => n.id) });
    }
  }
  return out.sort((a, b) => b.confidence - a.confidence || (a.id < b.id ? -1 : 1));
}

/** Items far from all others: mean distance to their k neighbours is a robust high outlier. */
export function outliers(knn: readonly NeighbourList[], opts: QualityOptions): Pick<QualityFindings, 'outliers' | 'outlierThreshold'> {
  const mean = knn.filter((l) => l.neighbours.length).map((l) => ({ id: l.id, d: l.neighbours.reduce((s, n) => s + (1 - n.score), 0) / l.neighbours.length }));
  const { median: med, mad } = robustSpread(mean.map((m) => m.d));
  const threshold = med + opts.outlierZ * mad;
  const found = mad > 0 ? mean.filter((m) => m.d > threshold).map((m) => ({ id: m.id, meanDistance: m.d, z: (m.d - med) / mad })) : [];
  return { outliers: found.sort((a, b) => b.z - a.z || (a.id < b.id ? -1 : 1)), outlierThreshold: { meanDistance: threshold, median: med, mad } };
}

/** The label distribution, with how well the embedding's neighbourhoods agree with each label. */
export function labelStats(items: readonly QualityItem[], knn: readonly NeighbourList[], opts: QualityOptions): LabelStat[] {
  const labelsOf = new Map(items.map((it) => [it.id, it.labels]));
  const labelled = items.filter((it) => it.labels.length).length;
  const counts = new Map<string, number>();
  for (const it of items) for (const l of it.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const purity = new Map<string, number[]>();
  for (const l of knn) {
    const own = labelsOf.get(l.id);
    if (!own?.length) continue;
    const ln = l.neighbours.filter((n) => labelsOf.get(n.id)?.length);
    if (!ln.length) continue;
    for (const label of own) {
      const same = ln.filter((n) => labelsOf.get(n.id)!.includes(label)).length / ln.length;
      let arr = purity.get(label);
      if (!arr) purity.set(label, (arr = []));
      arr.push(same);
    }
  }
  return [...counts.entries()]
    .map(([label, count]) => {
      const ps = purity.get(label) ?? [];
      const p = ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      // Chance rate for a member's neighbour: the label's share among the *other* labelled items.
      const chance = labelled > 1 ? (count - 1) / (labelled - 1) : 0;
      const lift = chance > 0 ? p / chance : 0;
      const tooSmall = count < opts.minClassSize;
      return { label, count, share: labelled ? count / labelled : 0, purity: p, lift, tooSmall, incoherent: !tooSmall && lift < opts.minClassLift };
    })
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
}

export function qualityFindings(items: readonly QualityItem[], knn: readonly NeighbourList[], k: number, options: Partial<QualityOptions> = {}): QualityFindings {
  const opts = { ...DEFAULT_QUALITY_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as QualityOptions;
  const exact = exactDuplicates(items);
  const near = nearDuplicates(items, knn, opts);
  const mis = mislabelSuspects(items, knn);
  const out = outliers(knn, opts);
  const labels = labelStats(items, knn, opts);
  const tooSmall = labels.filter((l) => l.tooSmall).map((l) => l.label);
  const incoherent = labels.filter((l) => l.incoherent).map((l) => l.label);
  return {
    items: items.length,
    labelled: items.filter((it) => it.labels.length).length,
    k,
    exactDuplicates: exact,
    ...near,
    mislabelled: mis,
    ...out,
    labels,
    tooSmall,
    incoherent,
    counts: {
      exactDuplicateClusters: exact.length,
      exactDuplicateItems: exact.reduce((s, c) => s + c.ids.length, 0),
      nearDuplicateClusters: near.nearDuplicates.length,
      nearDuplicateItems: near.nearDuplicates.reduce((s, c) => s + c.ids.length, 0),
      mislabelled: mis.length,
      outliers: out.outliers.length,
      tooSmall: tooSmall.length,
      incoherent: incoherent.length,
    },
  };
}
