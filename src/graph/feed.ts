import { pastTense } from './actions.js';
import { blendRanking, DEFAULT_BLEND, type BlendInput, type BlendPick, type BlendWeights, type Scored } from './blend.js';
import { diversifyByKey } from './diversify.js';
import type { TasteGraph } from './graph.js';
import type { InterestView, UserTaste } from './interests.js';
import { cosine, dot, normalized, type Vec } from './vec.js';
import { pixieWalk, walkExplainer, type SimilarFn, type WalkOptions, type WalkReason } from './walk.js';

/** Feed sources the evaluator compares (`items`: item neighbours alone); `blend` is what users get. */
export const FEED_METHODS = ['popular', 'single', 'multi', 'items', 'walk', 'blend'] as const;
export type FeedMethod = (typeof FEED_METHODS)[number];

export interface Neighbour {
  id: string;
  score: number;
}

/** What composing a feed reads: the graph, one version's vectors and the popularity table. */
export interface FeedSources {
  graph: TasteGraph;
  vectorOf(id: string): ArrayLike<number> | undefined;
  /** Nearest items to a unit vector, best first, never one in `exclude`. */
  ann(vec: Vec, k: number, exclude: ReadonlySet<string>): readonly Neighbour[];
  similar?: SimilarFn | undefined;
  /** Items by weighted engagement, most popular first, with a diversity key (label or cluster). */
  popular(): readonly { id: string; score: number; key: string }[];
}

export type Why =
  | { kind: 'interest'; interest: number; item: string; action: string }
  | { kind: 'popular'; key: string }
  | { kind: 'walk'; reason: WalkReason; action: string };

export interface FeedEntry {
  id: string;
  score: number;
  why: Why;
}

export interface FeedOptions {
  k: number;
  method?: FeedMethod;
  walk?: Partial<WalkOptions>;
  /** Seeds the walks; the caller derives it from the user id so a feed is reproducible. */
  seed?: number;
  /** How `blend` weighs its sources (the version's fitted weights; defaults when none). */
  blend?: BlendWeights | undefined;
}

export interface ComposedFeed {
  mode: 'personal' | 'popular';
  items: FeedEntry[];
}

/** Candidates gathered per source before fusing: a few times the page, so fusion has room. */
const poolSize = (k: number) => Math.max(3 * k, 50);

/** Popular and diverse: the cold-start feed, one label (or cluster) at a time. */
export function popularFeed(sources: FeedSources, k: number, exclude: ReadonlySet<string>): FeedEntry[] {
  const ranked = sources.popular().filter((p) => !exclude.has(p.id));
  return diversifyByKey(ranked, (p) => p.key, k, (p) => p.id).map((p) => ({ id: p.id, score: p.score, why: { kind: 'popular', key: p.key } }));
}

/** The member of `interest` most like `candidate`: the example an explanation names. */
function closestMember(sources: FeedSources, interest: InterestView, candidate: string): string {
  const v = sources.vectorOf(candidate);
  if (!v) return interest.exemplar.item;
  let best = interest.exemplar.item;
  let bestSim = -Infinity;
  for (const m of interest.members.slice(0, 32)) {
    const mv = sources.vectorOf(m);
    const s = mv ? cosine(mv, v) : -Infinity;
    if (s > bestSim) [best, bestSim] = [m, s];
  }
  return best;
}

/** Which interest centre a candidate sits closest to (0 when it has no vector). */
function nearestInterest(sources: FeedSources, interests: readonly InterestView[], id: string): number {
  const v = sources.vectorOf(id);
  if (!v || !interests.length) return 0;
  const u = normalized(v);
  let best = 0;
  for (let j = 1; j < interests.length; j++) if (dot(interests[j]!.vec, u) > dot(interests[best]!.vec, u)) best = j;
  return best;
}

/** Multi-interest alone: each interest's neighbours, no other list. */
const MULTI_ONLY: BlendWeights = Object.freeze({ walk: 0, items: 0, single: 0, fusion: 'rank' });

function walkList(sources: FeedSources, taste: UserTaste, engaged: ReadonlySet<string>, pool: number, opts: Pick<FeedOptions, 'walk' | 'seed'>): Neighbour[] {
  const seeds = taste.engagement(50).map((e) => ({ item: e.item, weight: e.weight }));
  const walk = pixieWalk(sources.graph, seeds, { enough: pool, ...opts.walk, seed: opts.seed ?? 1, top: pool }, { similar: sources.similar, exclude: engaged, user: taste.user });
  return walk.scores.map(([id, score]) => ({ id, score }));
}

/**
 * Item-based kNN: each engaged item's visual neighbours (the lists walks hop along), each vote its
 * similarity times the item's engagement weight, summed. `from` is the item that voted most.
 */
export function itemNeighbours(sources: FeedSources, taste: UserTaste, engaged: ReadonlySet<string>, pool: number): (Scored & { from: string })[] {
  const votes = new Map<string, { score: number; from: string; best: number }>();
  for (const { item, weight } of taste.engagement(50)) {
    for (const n of sources.similar?.(item) ?? []) {
      if (engaged.has(n.id) || !(n.score > 0)) continue;
      const vote = weight * n.score;
      const v = votes.get(n.id);
      if (!v) votes.set(n.id, { score: vote, from: item, best: vote });
      else {
        v.score += vote;
        if (vote > v.best) [v.from, v.best] = [item, vote];
      }
    }
  }
  return [...votes]
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, pool)
    .map(([id, v]) => ({ id, score: v.score, from: v.from }));
}

/**
 * The candidate lists a blended feed of `k` fuses: each interest's neighbours, and (when asked)
 * the walk's finds, the item neighbours and the mean vector's neighbours, each filed under its
 * nearest interest. The evaluator gathers all of them once per user and tries every weighting.
 */
export function gatherBlend(sources: FeedSources, taste: UserTaste, opts: Pick<FeedOptions, 'k' | 'walk' | 'seed'> & { walks: boolean; items: boolean; single: boolean }): BlendInput {
  const engaged = new Set(taste.items.keys());
  const interests = taste.interests();
  const pool = poolSize(opts.k);
  const walk = opts.walks ? walkList(sources, taste, engaged, pool, opts) : [];
  const items = opts.items ? itemNeighbours(sources, taste, engaged, pool) : [];
  const mean = opts.single ? taste.meanVector() : undefined;
  const single = mean ? sources.ann(mean, pool, engaged) : [];
  const bucketOf = new Map<string, number>();
  for (const { id } of [...walk, ...items, ...single]) if (!bucketOf.has(id)) bucketOf.set(id, nearestInterest(sources, interests, id));
  return { interests: interests.map((it) => ({ share: it.share, ann: sources.ann(it.vec, pool, engaged) })), walk, items, single, bucketOf };
}

/**
 * A user's feed by one method. Engaged items never come back. A user with nothing to go on (no
 * events, or no vectors and no graph neighbours) gets the popular-and-diverse feed; a short
 * personal feed is topped up from it.
 */
export function composeFeed(sources: FeedSources, taste: UserTaste | undefined, opts: FeedOptions): ComposedFeed {
  const { k } = opts;
  const method = opts.method ?? 'blend';
  const engaged = new Set(taste?.items.keys() ?? []);
  if (!taste || taste.events === 0 || method === 'popular') return { mode: 'popular', items: popularFeed(sources, k, engaged) };

  const interests = taste.interests();
  const pool = poolSize(k);
  const action = (item: string) => taste.items.get(item)?.action ?? 'view';
  const interestWhy = (j: number, id: string): Why => {
    const member = closestMember(sources, interests[j]!, id);
    return { kind: 'interest', interest: j + 1, item: member, action: action(member) };
  };
  let items: FeedEntry[] = [];
  // An item neighbour "looks like" the engaged item that voted for it most.
  const similarWhy = (from: string): Why => ({ kind: 'walk', reason: { kind: 'similar', item: from }, action: action(from) });

  if (method === 'items') {
    items = itemNeighbours(sources, taste, engaged, k).map((n) => ({ id: n.id, score: n.score, why: similarWhy(n.from) }));
  } else if (method === 'single') {
    const mean = taste.meanVector();
    if (mean) items = sources.ann(mean, k, engaged).map((n) => ({ id: n.id, score: n.score, why: interestWhy(nearestInterest(sources, interests, n.id), n.id) }));
  } else {
    let explain: ((id: string) => WalkReason) | undefined;
    const walkWhy = (id: string): Why => {
      explain ??= walkExplainer(sources.graph, taste.user, taste.engagement(50).map((e) => e.item), sources.similar);
      const reason = explain(id);
      return { kind: 'walk', reason, action: reason.item ? action(reason.item) : 'view' };
    };
    // Without vectors for anything the user touched there are no interests: walks alone.
    if (method === 'walk' || !interests.length) {
      items = walkList(sources, taste, engaged, pool, opts).slice(0, k).map(({ id, score }) => ({ id, score, why: walkWhy(id) }));
    } else {
      const weights = method === 'multi' ? MULTI_ONLY : (opts.blend ?? DEFAULT_BLEND);
      const input = gatherBlend(sources, taste, { ...opts, walks: weights.walk > 0, items: weights.items > 0, single: weights.single > 0 });
      const why = (p: BlendPick): Why => {
        if (p.via === 'items' && p.from) return similarWhy(p.from);
        return p.via === 'walk' ? walkWhy(p.id) : interestWhy(p.interest, p.id);
      };
      items = blendRanking(input, weights, k).map((p) => ({ id: p.id, score: p.score, why: why(p) }));
    }
  }
  if (items.length < k) {
    const have = new Set([...engaged, ...items.map((i) => i.id)]);
    items = [...items, ...popularFeed(sources, k - items.length, have)];
  }
  return { mode: 'personal', items };
}

/** Human text for an explanation; `title` names an item (its title, else its id). */
export function whyText(why: Why, title: (id: string) => string): string {
  switch (why.kind) {
    case 'interest':
      return `interest ${why.interest}: like ${title(why.item)} you ${pastTense(why.action)}`;
    case 'popular':
      return why.key ? `popular in ${why.key}` : 'popular';
    case 'walk': {
      const r = why.reason;
      if (r.kind === 'group') return `via board ${r.group}`;
      if (r.kind === 'people') return `people who engaged with ${title(r.item)} also engaged with this`;
      if (r.kind === 'similar') return `looks like ${title(r.item)} you ${pastTense(why.action)}`;
      return r.item ? `found by walks from ${title(r.item)}` : 'found by walks over the graph';
    }
  }
}
