/**
 * The blend: how a personal feed fuses its candidate sources, and fitting its weights per
 * catalogue. Pure: candidates come in gathered (`gatherBlend` in feed.ts), nothing here reads
 * vectors, the graph or the store.
 *
 * Each interest gets a bucket: its own ANN neighbours (weight 1, the anchor), plus the walk's finds,
 * the item neighbours (item-based kNN: each engaged item's visual neighbours, votes summed) and the
 * mean-vector neighbours that sit closest to it, each list with its own weight. A bucket is
 * ranked by reciprocal-rank fusion or by a weighted sum of min-max normalised scores (CombSUM);
 * buckets then take turns in proportion to interest share.
 */
import { z } from 'zod';
import { mean, ndcgAtK, recallAtK } from '../eval/metrics.js';
import { RRF_K, weightedRoundRobin } from './diversify.js';

export const FUSIONS = ['rank', 'score'] as const;
export type Fusion = (typeof FUSIONS)[number];

export const blendWeightsSchema = z.object({
  /** Weight of the walk's list against the interest's ANN list (which weighs 1); 0 turns walks off. */
  walk: z.number().min(0).max(100),
  /** Weight of the item-neighbour list (summed similarity to each engaged item); 0 leaves it out. */
  items: z.number().min(0).max(100).default(0),
  /** Weight of the single mean-vector ANN list; 0 leaves it out. */
  single: z.number().min(0).max(100),
  fusion: z.enum(FUSIONS),
});
export type BlendWeights = z.output<typeof blendWeightsSchema>;

/** Used when no weights were fitted for a version: walks and interests fused by rank, equally. */
export const DEFAULT_BLEND: BlendWeights = Object.freeze({ walk: 1, items: 0, single: 0, fusion: 'rank' });

/**
 * Settings the fit tries, simplest first (ties go to the earlier one): 100. Weights 0 are there so
 * the blend can fall back to plain multi-interest; under rank fusion a weight of 0.5 only reorders
 * what the ANN lists already hold, above it a list's own finds enter.
 */
const WEIGHTS = [0, 0.5, 1, 2, 4];
export const BLEND_GRID: readonly BlendWeights[] = FUSIONS.flatMap((fusion) =>
  [0, 0.5].flatMap((single) => WEIGHTS.flatMap((items) => WEIGHTS.map((walk) => ({ walk, items, single, fusion })))),
);

export interface Scored {
  id: string;
  score: number;
  /** The engaged item behind it, where the list knows one (item neighbours: the strongest voter). */
  from?: string | undefined;
}

/** Everything a blended feed is made from, for one user; source lists best first. */
export interface BlendInput {
  interests: readonly { share: number; ann: readonly Scored[] }[];
  walk: readonly Scored[];
  items: readonly Scored[];
  single: readonly Scored[];
  /** Interest index of each walk, item-neighbour and single candidate (the nearest centre; 0 without a vector). */
  bucketOf: ReadonlyMap<string, number>;
}

export type BlendSource = 'ann' | 'walk' | 'items' | 'single';

export interface BlendPick {
  id: string;
  score: number;
  /** The interest bucket it came from. */
  interest: number;
  /** The list that ranked it best (what explains it), and that list's `from`. */
  via: BlendSource;
  from?: string | undefined;
}

interface Entry {
  score: number;
  via: BlendSource;
  from: string | undefined;
  bestRank: number;
}

/** Min-max normalisation of a best-first list to [0, 1] (a flat list is all 1). */
export function minMax(list: readonly Scored[]): Map<string, number> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) [lo, hi] = [Math.min(lo, s.score), Math.max(hi, s.score)];
  const span = hi - lo;
  return new Map(list.map((s) => [s.id, span > 0 ? (s.score - lo) / span : 1]));
}

/** Ranked picks for a feed of `k`: per-interest fusion, then weighted round-robin over interests. */
export function blendRanking(input: BlendInput, w: BlendWeights, k: number): BlendPick[] {
  const n = input.interests.length;
  const split = (list: readonly Scored[]) => {
    const out = Array.from({ length: n }, () => [] as Scored[]);
    for (const s of list) out[Math.min(input.bucketOf.get(s.id) ?? 0, n - 1)]?.push(s);
    return out;
  };
  const walkBuckets = w.walk > 0 ? split(input.walk) : [];
  const itemBuckets = w.items > 0 ? split(input.items) : [];
  const singleBuckets = w.single > 0 ? split(input.single) : [];
  // Score fusion normalises each whole list, so a bucket's share of weak finds stays weak.
  const norm = w.fusion === 'score' ? { walk: minMax(input.walk), items: minMax(input.items), single: minMax(input.single) } : undefined;

  const buckets = input.interests.map((it, j) => {
    const fused = new Map<string, Entry>();
    const add = (list: readonly Scored[], weight: number, via: BlendSource, normed: Map<string, number> | undefined) => {
      if (!(weight > 0)) return;
      list.forEach((s, r) => {
        const part = weight * (normed ? normed.get(s.id)! : 1 / (RRF_K + r + 1));
        const e = fused.get(s.id);
        if (!e) fused.set(s.id, { score: part, via, from: s.from, bestRank: r });
        else {
          e.score += part;
          if (r < e.bestRank) [e.via, e.from, e.bestRank] = [via, s.from, r];
        }
      });
    };
    add(it.ann, 1, 'ann', norm ? minMax(it.ann) : undefined);
    if (w.walk > 0) add(walkBuckets[j]!, w.walk, 'walk', norm?.walk);
    if (w.items > 0) add(itemBuckets[j]!, w.items, 'items', norm?.items);
    if (w.single > 0) add(singleBuckets[j]!, w.single, 'single', norm?.single);
    const items = [...fused]
      .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
      .map(([id, e]): BlendPick => ({ id, score: e.score, interest: j, via: e.via, ...(e.from === undefined ? {} : { from: e.from }) }));
    return { weight: it.share, items };
  });
  return weightedRoundRobin(buckets, k, (p) => p.id);
}

export interface BlendCase {
  input: BlendInput;
  /** The user's hidden (validation) items. */
  hidden: readonly string[];
}

export interface BlendTrial {
  weights: BlendWeights;
  recall: number;
  ndcg: number;
}

export interface BlendFit {
  weights: BlendWeights;
  /** False when there were too few validation users: `weights` are then the defaults. */
  fitted: boolean;
  users: number;
  k: number;
  /** Validation Recall@k and NDCG@k of the chosen weights. */
  recall: number;
  ndcg: number;
  trials: BlendTrial[];
}

/** Below this many validation users a fit is noise: the defaults stay. */
export const MIN_VALIDATION_USERS = 20;

/** Scores every setting on the validation cases; picks the best Recall@k, then NDCG@k, then grid order. */
export function fitBlend(cases: readonly BlendCase[], k: number, grid: readonly BlendWeights[] = BLEND_GRID, fallback: BlendWeights = DEFAULT_BLEND): BlendFit {
  const trials = grid.map((weights): BlendTrial => {
    const recalls: number[] = [];
    const ndcgs: number[] = [];
    for (const c of cases) {
      const want = new Set(c.hidden);
      const hits = blendRanking(c.input, weights, k).map((p) => want.has(p.id));
      recalls.push(recallAtK(hits, want.size, k));
      ndcgs.push(ndcgAtK(hits, want.size, k));
    }
    return { weights, recall: mean(recalls), ndcg: mean(ndcgs) };
  });
  const base = { users: cases.length, k, trials };
  if (cases.length < MIN_VALIDATION_USERS || !trials.length) {
    const same = trials.find((t) => sameWeights(t.weights, fallback));
    return { ...base, weights: fallback, fitted: false, recall: same?.recall ?? NaN, ndcg: same?.ndcg ?? NaN };
  }
  let best = trials[0]!;
  for (const t of trials.slice(1)) if (t.recall > best.recall || (t.recall === best.recall && t.ndcg > best.ndcg)) best = t;
  return { ...base, weights: best.weights, fitted: true, recall: best.recall, ndcg: best.ndcg };
}

export function sameWeights(a: BlendWeights, b: BlendWeights): boolean {
  return a.walk === b.walk && a.items === b.items && a.single === b.single && a.fusion === b.fusion;
}

/** Short human form, e.g. `rank fusion, walk 0.5, item neighbours 1, single 0`. */
export function describeBlend(w: BlendWeights): string {
  return `${w.fusion} fusion, walk ${w.walk}, item neighbours ${w.items}, single ${w.single}`;
}
