/**
 * The collaborative side of the taste graph: item-kNN over co-engagement, EASE and implicit ALS,
 * trained together from the events table and scored together for a user's profile. Pure: the
 * caller hands in events and persists the model (`packCollab` / `unpackCollab`).
 */
import { alsScores, DEFAULT_ALS, foldInUser, trainAls, type AlsModel, type AlsOptions } from './als.js';
import { cooccurScores, DEFAULT_COOCCUR, trainCooccur, type CooccurModel, type CooccurOptions } from './cooccur.js';
import { DEFAULT_EASE, easeScores, trainEase, type EaseModel, type EaseOptions, type EaseTarget } from './ease.js';
import { fitEaseLambda, type LambdaFit } from './ease-lambda.js';
import { engagementMatrix, topIndices, Votes, type Csr, type Engagement } from './matrix.js';
import { DEFAULT_TRENDING, trainTrending, trendingScores, type TrendingModel, type TrendingOptions } from './trending.js';
import { DEFAULT_TRANSITIONS, trainTransitions, transitionScores, type TransitionOptions } from './transitions.js';

export const COLLAB_SOURCES = ['cooc', 'ease', 'saves', 'lately', 'als', 'next', 'trending'] as const;
export type CollabSource = (typeof COLLAB_SOURCES)[number];

/**
 * `lately` reads the `saves` model from the user's latest engagements: the k-th newest counts
 * 2^(-k / LATELY_HALF_LIFE). Where a site's own lists drive what people engage with next (rating
 * sites: Fan et al. 2024 on MovieLens), the last few say more than the whole history; where they
 * do not, the blend fit leaves the source at 0. Five: about one sitting of a rating site.
 */
const LATELY_HALF_LIFE = 5;

export interface CollabOptions {
  ease: EaseOptions;
  als: AlsOptions;
  cooccur: CooccurOptions;
  transitions: TransitionOptions;
  trending: TrendingOptions;
  /** Below this many events no model is trained (a fit on a handful of events is noise). */
  minEvents: number;
}

export const DEFAULT_COLLAB: CollabOptions = Object.freeze({
  ease: DEFAULT_EASE,
  als: DEFAULT_ALS,
  cooccur: DEFAULT_COOCCUR,
  transitions: DEFAULT_TRANSITIONS,
  trending: DEFAULT_TRENDING,
  minEvents: 20,
});

export interface CollabModel {
  /** Item ids by matrix index. */
  items: string[];
  itemIndex: Map<string, number>;
  /** Events the model was trained on (for deciding when to retrain). */
  events: number;
  cooc: CooccurModel;
  ease: EaseModel;
  /** How EASE's λ was fitted on these events (absent: the fixed default). */
  easeLambda?: LambdaFit | undefined;
  als: AlsModel;
  next: Csr;
  transitions: TransitionOptions;
  trending: TrendingModel;
  trainedAt: number;
  seconds: { cooc: number; ease: number; als: number; next: number };
}

/** One user's engagement as the models read it: raw summed weight and recency-weighted weight (max 1). */
export interface ProfileEntry {
  item: string;
  total: number;
  recent: number;
  /** Latest engagement time (ms). */
  ts: number;
}

export interface CollabPick {
  id: string;
  score: number;
  /** The engaged item that contributed most (item-kNN and EASE), for the explanation. */
  from?: string | undefined;
}

export function trainCollab(events: Iterable<Engagement>, opts: CollabOptions = DEFAULT_COLLAB): CollabModel | undefined {
  const m = engagementMatrix(events);
  if (m.events < opts.minEvents || m.items.length < 2) return undefined;
  const clock = () => performance.now();
  const t = clock();
  const cooc = trainCooccur(m, opts.cooccur);
  const tc = clock();
  const lambda = opts.ease.fitLambda ? fitEaseLambda(m, opts.ease) : undefined;
  const ease = trainEase(m, lambda ? { ...opts.ease, lambda: lambda.lambda } : opts.ease);
  const te = clock();
  const als = trainAls(m, opts.als);
  const ta = clock();
  const next = trainTransitions(m, opts.transitions);
  const trending = trainTrending(m, opts.trending);
  const tn = clock();
  const seconds = { cooc: (tc - t) / 1000, ease: (te - tc) / 1000, als: (ta - te) / 1000, next: (tn - ta) / 1000 };
  return { items: m.items, itemIndex: m.itemIndex, events: m.events, cooc, ease, easeLambda: lambda, als, next, transitions: opts.transitions, trending, trainedAt: Date.now(), seconds };
}

/**
 * Each source's best `pool` items for a profile, never one the user engaged with or one in
 * `exclude`; an empty list when none of the profile's items is known to the model.
 */
export function collabLists(
  model: CollabModel,
  profile: readonly ProfileEntry[],
  pool: number,
  want: ReadonlySet<CollabSource> = new Set(COLLAB_SOURCES),
  exclude?: ReadonlySet<string>,
): Record<CollabSource, CollabPick[]> {
  const n = model.items.length;
  const known = profile.flatMap((p) => {
    const item = model.itemIndex.get(p.item);
    return item === undefined ? [] : [{ item, total: p.total, recent: p.recent, ts: p.ts }];
  });
  const empty = { cooc: [], ease: [], saves: [], lately: [], als: [], next: [], trending: [] };
  if (!known.length) return empty;
  const engaged = new Set(known.map((p) => p.item));
  const skip = (j: number) => engaged.has(j) || (exclude?.has(model.items[j]!) ?? false);
  const recent = known.map((p) => ({ item: p.item, weight: p.recent }));

  const pick = (p: { index: number; score: number }, from?: number): CollabPick => ({ id: model.items[p.index]!, score: p.score, from: from === undefined ? undefined : model.items[from] });
  // The sparse sources touch a few thousand items at most: rank what they touched, not the catalogue.
  const sparse = (fill: (votes: Votes) => void): CollabPick[] => {
    const votes = new Votes();
    fill(votes);
    return votes.top(pool, skip).map((v) => pick(v, v.from));
  };
  const coocList = want.has('cooc') ? sparse((v) => cooccurScores(model.cooc, recent, v)) : [];
  const nextList = want.has('next') ? sparse((v) => transitionScores(model.next, known, model.transitions, v)) : [];
  const trendingList = want.has('trending') ? sparse((v) => trendingScores(model.trending, Math.max(...known.map((p) => p.ts)), v)) : [];

  // `ease` the textbook model (an anchor), `saves` the one that predicts positive engagement.
  const easeList = (target: EaseTarget, weights = recent): CollabPick[] => {
    const scores = easeScores(model.ease, weights, target);
    return topIndices(scores, pool, (r) => skip(model.ease.items[r]!)).map((p) => {
      const index = model.ease.items[p.index]!;
      return { id: model.items[index]!, score: p.score, from: strongestVoter(model.ease, weights, index, model.items, target) };
    });
  };
  const latest = () => [...known].sort((a, b) => b.ts - a.ts).map((p, k) => ({ item: p.item, weight: p.recent * Math.pow(2, -k / LATELY_HALF_LIFE) }));

  let alsList: CollabPick[] = [];
  if (want.has('als')) {
    const als = new Float32Array(n);
    alsScores(
      model.als,
      foldInUser(
        model.als,
        known.map((p) => ({ item: p.item, weight: p.total })),
      ),
      als,
    );
    alsList = topIndices(als, pool, skip).map((p) => pick(p));
  }
  return {
    cooc: coocList,
    ease: want.has('ease') ? easeList('engaged') : [],
    saves: want.has('saves') ? easeList('positive') : [],
    lately: want.has('lately') ? easeList('positive', latest()) : [],
    als: alsList,
    next: nextList,
    trending: trendingList,
  };
}

function strongestVoter(ease: EaseModel, profile: readonly { item: number; weight: number }[], j: number, ids: readonly string[], target: EaseTarget): string | undefined {
  const col = ease.row.get(j);
  if (col === undefined) return undefined;
  const n = ease.items.length;
  let bestItem: number | undefined;
  let bestVote = 0;
  for (const { item, weight } of profile) {
    const r = ease.row.get(item);
    if (r === undefined) continue;
    const vote = weight * (target === 'positive' ? ease.positive : ease.weights)[r * n + col]!;
    if (vote > bestVote) [bestItem, bestVote] = [item, vote];
  }
  return bestItem === undefined ? undefined : ids[bestItem];
}
