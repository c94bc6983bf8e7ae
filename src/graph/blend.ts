/**
 * The blend: how a personal feed fuses its candidate sources, and fitting its weights per
 * catalogue. Pure: candidate lists come in gathered (`gatherBlend` in feed.ts); nothing here reads
 * vectors, the graph, the models or the store.
 *
 * Every source is one best-first list: the visual ones (`multi`: each interest's neighbours taking
 * turns by share; `items`: visual neighbours of engaged items; `single`: the mean vector's
 * neighbours), the graph (`walk`: Pixie walks), the collaborative models (`cooc`: item-kNN over
 * co-engagement; `ease`; `saves`: EASE that predicts saves and purchases from any engagement; `lately`: `saves` read from the user's latest engagements; `als`; `next`: what people engaged with next after the user's latest items), `trending` (popular in the weeks up to the user's latest event) and `popular`. A candidate's score is the weighted sum of its
 * per-list scores: reciprocal rank (`rank` fusion) or the list's min-max normalised score
 * (`score` fusion). Any source may weigh 0, so the fit can pick any one of them or any mix.
 */
import { z } from 'zod';
import { mean, ndcgAtK, pairedGain, recallAtK } from '../eval/metrics.js';
import { RRF_K } from './diversify.js';
import { FRESH_EVERY_CHOICES, FRESH_EVERY_DEFAULT, placeFresh, type FreshCandidates } from './fresh-slots.js';

export const BLEND_SOURCES = ['multi', 'items', 'single', 'walk', 'cooc', 'ease', 'saves', 'lately', 'als', 'next', 'trending', 'popular'] as const;
export type BlendSource = (typeof BLEND_SOURCES)[number];
export const FUSIONS = ['rank', 'score'] as const;
export type Fusion = (typeof FUSIONS)[number];

const weight = z.number().min(0).max(100).default(0);
export const blendWeightsSchema = z.object({
  fusion: z.enum(FUSIONS),
  weights: z.object(Object.fromEntries(BLEND_SOURCES.map((s) => [s, weight])) as Record<BlendSource, typeof weight>),
  /** The fitted fresh-slot rate (fresh-slots.ts); absent: the engine's default. */
  freshEvery: z.number().int().min(0).max(1000).optional(),
});
export type BlendWeights = z.output<typeof blendWeightsSchema>;

const weights = (w: Partial<Record<BlendSource, number>>): Record<BlendSource, number> => Object.fromEntries(BLEND_SOURCES.map((s) => [s, w[s] ?? 0])) as Record<BlendSource, number>;

/** Without events to learn from: the interests and the walks, fused by rank, equally. */
export const DEFAULT_BLEND: BlendWeights = Object.freeze({ fusion: 'rank', weights: Object.freeze(weights({ multi: 1, walk: 1 })) });

/**
 * With a collaborative model but no fit for the version yet: behaviour first, looks second. `saves`
 * is left to the fit: on the bundled sample's shoppers it found less than plain EASE (.181 vs .209
 * served, `npm run bench -- feed-served`), on the rating-site set more (.201 vs .179).
 */
export const DEFAULT_COLLAB_BLEND: BlendWeights = Object.freeze({ fusion: 'rank', weights: Object.freeze(weights({ ease: 1, cooc: 1, als: 1, walk: 0.5, multi: 0.25 })) });

export function blendOf(fusion: Fusion, w: Partial<Record<BlendSource, number>>): BlendWeights {
  return { fusion, weights: weights(w) };
}

export interface Scored {
  id: string;
  score: number;
  /** The engaged item behind it, where the list knows one. */
  from?: string | undefined;
}

/** Every list a blended feed is made from, for one user, best first (a missing source is empty). */
export type BlendInput = Partial<Record<BlendSource, readonly Scored[]>>;

export interface BlendPick {
  id: string;
  score: number;
  /** The list that contributed most to it (what explains it), and that list's `from`. */
  via: BlendSource;
  from?: string | undefined;
}

/** Min-max normalisation of a best-first list to [0, 1] (a flat list is all 1). */
export function minMax(list: readonly Scored[]): Map<string, number> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) [lo, hi] = [Math.min(lo, s.score), Math.max(hi, s.score)];
  const span = hi - lo;
  return new Map(list.map((s) => [s.id, span > 0 ? (s.score - lo) / span : 1]));
}

interface Entry {
  score: number;
  via: BlendSource;
  from: string | undefined;
  best: number;
}

/** The fused ranking for a feed of `k`. */
export function blendRanking(input: BlendInput, w: BlendWeights, k: number): BlendPick[] {
  const fused = new Map<string, Entry>();
  for (const source of BLEND_SOURCES) {
    const weight = w.weights[source];
    const list = input[source];
    if (!(weight > 0) || !list?.length) continue;
    const norm = w.fusion === 'score' ? minMax(list) : undefined;
    list.forEach((s, r) => {
      const part = weight * (norm ? norm.get(s.id)! : 1 / (RRF_K + r + 1));
      const e = fused.get(s.id);
      if (!e) fused.set(s.id, { score: part, via: source, from: s.from, best: part });
      else {
        e.score += part;
        if (part > e.best) [e.via, e.from, e.best] = [source, s.from, part];
      }
    });
  }
  return [...fused]
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([id, e]) => ({ id, score: e.score, via: e.via, ...(e.from === undefined ? {} : { from: e.from }) }));
}

export interface BlendCase {
  input: BlendInput;
  /** The user's hidden (validation) items. */
  hidden: readonly string[];
  /** Fresh items looks would put in the feed's fresh slots; absent: the rate is not fitted. */
  fresh?: FreshCandidates | undefined;
}

export interface BlendTrial {
  weights: BlendWeights;
  recall: number;
  ndcg: number;
}

export interface BlendFit {
  weights: BlendWeights;
  /** False when there were too few validation users: `weights` are then the fallback. */
  fitted: boolean;
  users: number;
  k: number;
  /** Validation Recall@k and NDCG@k of the chosen weights. */
  recall: number;
  ndcg: number;
  /** Every setting scored, in the order tried. */
  trials: BlendTrial[];
}

/** Below this many validation users a fit is noise: the fallback stays. */
export const MIN_VALIDATION_USERS = 20;

/** Values coordinate ascent tries for each source's weight. */
const STEPS = [0, 0.25, 0.5, 1, 2, 4];

export function scoreBlend(cases: readonly BlendCase[], w: BlendWeights, k: number): BlendTrial {
  return summary(perUser(cases, w, k));
}

/** A setting's per-user scores (for paired comparisons) and their means. */
interface Scores extends BlendTrial {
  recalls: Float64Array;
  ndcgs: Float64Array;
}

function perUser(cases: readonly BlendCase[], w: BlendWeights, k: number): Scores {
  const recalls = new Float64Array(cases.length);
  const ndcgs = new Float64Array(cases.length);
  cases.forEach((c, i) => {
    const want = new Set(c.hidden);
    let ranked: readonly { id: string }[] = blendRanking(c.input, w, k);
    if (w.freshEvery && c.fresh) ranked = placeFresh(ranked, () => c.fresh!.candidates.map((id) => ({ id })), c.fresh.isFresh, k, w.freshEvery);
    const hits = ranked.map((p) => want.has(p.id));
    recalls[i] = recallAtK(hits, want.size, k);
    ndcgs[i] = ndcgAtK(hits, want.size, k);
  });
  return { weights: w, recalls, ndcgs, recall: mean([...recalls]), ndcg: mean([...ndcgs]) };
}

const summary = (s: Scores): BlendTrial => ({ weights: s.weights, recall: s.recall, ndcg: s.ndcg });

const better = (a: BlendTrial, b: BlendTrial) => a.recall > b.recall + 1e-12 || (Math.abs(a.recall - b.recall) <= 1e-12 && a.ndcg > b.ndcg + 1e-12);

/**
 * Standard errors a paired improvement must exceed before the fit takes it. Each accepted step
 * must beat noise, not just the last setting: with a few hundred validation users a weight grid
 * otherwise chases users who happen to favour one source, and the fitted mix scores lower on
 * unseen users than a plain collaborative source (measured on the served sample:
 * `npm run bench -- feed-served`).
 */
const FIT_MIN_SE = 1;

/** Whether `a` beats `b` by more than `minSe` standard errors of the paired gain (recall; NDCG on a recall tie). */
function clearlyBetter(a: Scores, b: Scores, minSe: number): boolean {
  const r = pairedGain(a.recalls, b.recalls);
  if (Math.abs(r.gain) > 1e-12) return r.gain > Math.max(1e-12, minSe * r.se);
  const g = pairedGain(a.ndcgs, b.ndcgs);
  return g.gain > Math.max(1e-12, minSe * g.se);
}

/**
 * Fits the weights on validation cases: for each fusion, start from the best single source (or the
 * fallback, where it is better and of that fusion), then
 * steepest coordinate ascent: every one-weight move (each source over a small grid, the others
 * held) is scored, and the best of those whose paired gain over the current setting exceeds
 * `minSe` standard errors is taken, until none does. Taking the first such move in source order
 * instead made the result depend on the order and on which sources exist: adding one source that
 * ended at weight 0 moved the served rating-site fit to a mix 1.7% worse on validation and 4% worse
 * on test (`npm run bench -- feed-served`, BENCHMARKS.md). Between the two fusions' results and the fallback, the better validation mean
 * wins (three candidates: little room for noise). Where the cases know their fresh candidates,
 * the fresh-slot rate is fitted last, for the chosen weights.
 */
export function fitBlend(cases: readonly BlendCase[], k: number, fallback: BlendWeights = DEFAULT_BLEND, sources: readonly BlendSource[] = BLEND_SOURCES, maxSteps = 16, minSe = FIT_MIN_SE): BlendFit {
  const trials: BlendTrial[] = [];
  const tried = new Map<string, Scores>();
  const score = (w: BlendWeights) => {
    const key = JSON.stringify(w);
    let t = tried.get(key);
    if (!t) {
      t = perUser(cases, w, k);
      tried.set(key, t);
      trials.push(summary(t));
    }
    return t;
  };
  const base = { users: cases.length, k, trials };
  if (cases.length < MIN_VALIDATION_USERS) {
    const t = cases.length ? summary(score(fallback)) : undefined;
    return { ...base, weights: fallback, fitted: false, recall: t?.recall ?? NaN, ndcg: t?.ndcg ?? NaN };
  }
  // Weights are compared without fresh slots; a stored rate is refitted at the end.
  const fallbackScores = score({ fusion: fallback.fusion, weights: fallback.weights });
  let best: Scores | undefined;
  for (const fusion of FUSIONS) {
    let current: Scores | undefined;
    for (const s of sources) {
      const t = score(blendOf(fusion, { [s]: 1 }));
      if (!current || better(t, current)) current = t;
    }
    // The fallback is a sensible prior mix: start from it where it does better than any one source.
    if (fallback.fusion === fusion && current && better(fallbackScores, current)) current = fallbackScores;
    for (let step = 0; step < maxSteps && current; step++) {
      let next: Scores | undefined;
      for (const s of sources) {
        for (const v of STEPS) {
          if (v === current.weights.weights[s]) continue;
          const w = { fusion, weights: { ...current.weights.weights, [s]: v } };
          if (!Object.values(w.weights).some((x) => x > 0)) continue;
          const t = score(w);
          if (clearlyBetter(t, current, minSe) && (!next || better(t, next))) next = t;
        }
      }
      if (!next) break;
      current = next;
    }
    if (current && (!best || better(current, best))) best = current;
  }
  const chosen = best && better(best, fallbackScores) ? best : fallbackScores;
  const served = cases.some((c) => c.fresh) ? fitFreshEvery(chosen.weights, score, minSe) : summary(chosen);
  return { ...base, weights: served.weights, fitted: true, recall: served.recall, ndcg: served.ndcg };
}

/**
 * The fresh-slot rate for fitted weights: the default unless another rate's paired gain on the
 * validation users (with their fresh slots filled as served) clears `minSe` standard errors.
 */
function fitFreshEvery(w: BlendWeights, score: (w: BlendWeights) => Scores, minSe: number): BlendTrial {
  let current = score({ ...w, freshEvery: FRESH_EVERY_DEFAULT });
  for (const every of FRESH_EVERY_CHOICES) {
    const t = score({ ...w, freshEvery: every });
    if (clearlyBetter(t, current, minSe)) current = t;
  }
  return summary(current);
}

export function sameWeights(a: BlendWeights, b: BlendWeights): boolean {
  return a.fusion === b.fusion && a.freshEvery === b.freshEvery && BLEND_SOURCES.every((s) => a.weights[s] === b.weights[s]);
}

/** Short human form, e.g. `rank fusion: ease 1, cooc 0.5` (sources at 0 left out). */
export function describeBlend(w: BlendWeights): string {
  const parts = BLEND_SOURCES.filter((s) => w.weights[s] > 0).map((s) => `${s} ${w.weights[s]}`);
  const fresh = w.freshEvery === undefined ? '' : `; a fresh item every ${w.freshEvery}`;
  return `${w.fusion} fusion: ${parts.join(', ') || 'nothing'}${fresh}`;
}
