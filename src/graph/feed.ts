import { pastTense } from './actions.js';
import { BLEND_SOURCES, blendRanking, DEFAULT_BLEND, type BlendInput, type BlendPick, type BlendSource, type BlendWeights, type Scored } from './blend.js';
import { COLLAB_SOURCES, collabLists, type CollabModel } from './collab/model.js';
import { diversifyByKey, weightedRoundRobin } from './diversify.js';
import { placeFresh } from './fresh-slots.js';
import type { TasteGraph } from './graph.js';
import type { InterestView, UserTaste } from './interests.js';
import { cosine, dot, normalized, type Vec } from './vec.js';
import { pixieWalk, walkExplainer, type SimilarFn, type WalkOptions, type WalkReason } from './walk.js';

/** Feed sources the evaluator compares one by one; `blend` fuses them and is what users get. */
export const FEED_METHODS = ['popular', 'trending', 'single', 'multi', 'items', 'walk', 'cooc', 'ease', 'saves', 'lately', 'als', 'next', 'blend'] as const;
export type FeedMethod = (typeof FEED_METHODS)[number];

export interface Neighbour {
  id: string;
  score: number;
}

/** What composing a feed reads: the graph, one version's vectors, the popularity table and the collaborative models. */
export interface FeedSources {
  graph: TasteGraph;
  vectorOf(id: string): ArrayLike<number> | undefined;
  /** Nearest items to a unit vector, best first, never one in `exclude`. */
  ann(vec: Vec, k: number, exclude: ReadonlySet<string>): readonly Neighbour[];
  similar?: SimilarFn | undefined;
  /** Items by weighted engagement, most popular first, with a diversity key (label or cluster). */
  popular(): readonly { id: string; score: number; key: string }[];
  /** Trained from the events; absent before there are enough of them. */
  collab?: CollabModel | undefined;
  /** True for an item nobody has engaged with yet (only the visual sources can find it). */
  isFresh?: ((id: string) => boolean) | undefined;
}

export type Why =
  | { kind: 'interest'; interest: number; item: string; action: string }
  | { kind: 'popular'; key: string }
  | { kind: 'walk'; reason: WalkReason; action: string }
  | { kind: 'taste' }
  | { kind: 'trending' }
  | { kind: 'next'; item: string; action: string };

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
  /**
   * Blend only: the last slot of every `freshEvery` is kept for the best item nobody has engaged
   * with yet, found by looks, when the fused list holds none (so a new item is always reachable).
   * 0 turns it off.
   */
  freshEvery?: number | undefined;
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
  return diversifyByKey(
    ranked,
    (p) => p.key,
    k,
    (p) => p.id,
  ).map((p) => ({ id: p.id, score: p.score, why: { kind: 'popular', key: p.key } }));
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

function walkList(sources: FeedSources, taste: UserTaste, engaged: ReadonlySet<string>, pool: number, opts: Pick<FeedOptions, 'walk' | 'seed'>): Neighbour[] {
  const seeds = taste.engagement(50).map((e) => ({ item: e.item, weight: e.weight }));
  const walk = pixieWalk(sources.graph, seeds, { enough: pool, ...opts.walk, seed: opts.seed ?? 1, top: pool }, { similar: sources.similar, exclude: engaged, user: taste.user });
  return walk.scores.map(([id, score]) => ({ id, score }));
}

/** Multi-interest: each interest's nearest items, the interests taking turns by their share. */
function multiList(sources: FeedSources, taste: UserTaste, engaged: ReadonlySet<string>, pool: number): Scored[] {
  const buckets = taste.interests().map((it) => ({ weight: it.share, items: sources.ann(it.vec, pool, engaged) }));
  // Scored by turn, not by similarity: each interest's share is what orders the list, so score fusion keeps it.
  const turns = weightedRoundRobin(buckets, pool, (n) => n.id);
  return turns.map((n, r) => ({ id: n.id, score: 1 - r / turns.length }));
}

/**
 * Item-based kNN over looks: each engaged item's visual neighbours (the lists walks hop along),
 * each vote its similarity times the item's engagement weight, summed. `from` is the item that voted most.
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

/** The user's engagement as the collaborative models read it (raw totals and recency weights). */
function profileOf(taste: UserTaste): { item: string; total: number; recent: number; ts: number }[] {
  let top = 0;
  for (const e of taste.items.values()) top = Math.max(top, e.w);
  return [...taste.items].map(([item, e]) => ({ item, total: e.total, recent: top > 0 ? e.w / top : 1, ts: e.lastTs }));
}

/** The candidate lists of the given sources for a feed of `k` (the evaluator gathers all of them once and tries every weighting). */
export function gatherBlend(sources: FeedSources, taste: UserTaste, opts: Pick<FeedOptions, 'k' | 'walk' | 'seed'> & { want: readonly BlendSource[] }): BlendInput {
  const engaged = new Set(taste.items.keys());
  const pool = poolSize(opts.k);
  const want = new Set(opts.want);
  const input: BlendInput = {};
  if (want.has('multi') && taste.interests().length) input.multi = multiList(sources, taste, engaged, pool);
  if (want.has('items')) input.items = itemNeighbours(sources, taste, engaged, pool);
  if (want.has('single')) {
    const mean = taste.meanVector();
    input.single = mean ? sources.ann(mean, pool, engaged) : [];
  }
  if (want.has('walk')) input.walk = walkList(sources, taste, engaged, pool, opts);
  const collab = new Set(COLLAB_SOURCES.filter((s) => want.has(s)));
  if (sources.collab && collab.size) {
    const lists = collabLists(sources.collab, profileOf(taste), pool, collab);
    for (const s of collab) input[s] = lists[s];
  }
  if (want.has('popular')) {
    const popular: Scored[] = [];
    for (const p of sources.popular()) {
      if (popular.length >= pool) break;
      if (!engaged.has(p.id)) popular.push({ id: p.id, score: p.score });
    }
    input.popular = popular;
  }
  return input;
}

const ALONE: Record<Exclude<FeedMethod, 'popular' | 'blend'>, BlendSource> = {
  single: 'single',
  multi: 'multi',
  items: 'items',
  walk: 'walk',
  cooc: 'cooc',
  ease: 'ease',
  saves: 'saves',
  lately: 'lately',
  als: 'als',
  next: 'next',
  trending: 'trending',
};

/**
 * A user's feed by one method. Engaged items never come back. A user with nothing to go on (no
 * events) gets the popular-and-diverse feed; a short personal feed is topped up from it.
 */
export function composeFeed(sources: FeedSources, taste: UserTaste | undefined, opts: FeedOptions): ComposedFeed {
  const { k } = opts;
  const method = opts.method ?? 'blend';
  const engaged = new Set(taste?.items.keys() ?? []);
  if (!taste || taste.events === 0 || method === 'popular') return { mode: 'popular', items: popularFeed(sources, k, engaged) };

  const interests = taste.interests();
  const action = (item: string) => taste.items.get(item)?.action ?? 'view';
  let explain: ((id: string) => WalkReason) | undefined;
  const why = (p: BlendPick): Why => {
    if (p.via === 'popular') return { kind: 'popular', key: '' };
    if (p.via === 'trending') return { kind: 'trending' };
    const people = p.via === 'cooc' || p.via === 'ease' || p.via === 'saves' || p.via === 'lately';
    if (p.via === 'als' || (people && !p.from)) return { kind: 'taste' };
    if (people) return { kind: 'walk', reason: { kind: 'people', item: p.from! }, action: action(p.from!) };
    if (p.via === 'next' && p.from) return { kind: 'next', item: p.from, action: action(p.from) };
    // An item neighbour "looks like" the engaged item that voted for it most.
    if (p.via === 'items' && p.from) return { kind: 'walk', reason: { kind: 'similar', item: p.from }, action: action(p.from) };
    if (p.via === 'walk' || !interests.length) {
      explain ??= walkExplainer(
        sources.graph,
        taste.user,
        taste.engagement(50).map((e) => e.item),
        sources.similar,
      );
      const reason = explain(p.id);
      return { kind: 'walk', reason, action: reason.item ? action(reason.item) : 'view' };
    }
    const member = closestMember(sources, interests[nearestInterest(sources, interests, p.id)]!, p.id);
    return { kind: 'interest', interest: nearestInterest(sources, interests, p.id) + 1, item: member, action: action(member) };
  };
  const weights =
    method === 'blend'
      ? (opts.blend ?? DEFAULT_BLEND)
      : { fusion: 'rank' as const, weights: Object.fromEntries(BLEND_SOURCES.map((s) => [s, s === ALONE[method] ? 1 : 0])) as BlendWeights['weights'] };
  const want = BLEND_SOURCES.filter((s) => weights.weights[s] > 0);
  // Without vectors for anything the user touched there are no interests: the walks stand in for them.
  if (!interests.length && want.includes('multi') && !want.includes('walk')) want.push('walk');
  const w = !interests.length && weights.weights.walk === 0 && want.includes('walk') ? { ...weights, weights: { ...weights.weights, walk: 1 } } : weights;
  const input = gatherBlend(sources, taste, { ...opts, want });
  let items: FeedEntry[] = blendRanking(input, w, k).map((p) => ({ id: p.id, score: p.score, why: why(p) }));
  if (method === 'blend') items = withFreshSlots(sources, taste, input, items, k, opts.freshEvery ?? 0, why);
  if (items.length < k) {
    const have = new Set([...engaged, ...items.map((i) => i.id)]);
    items = [...items, ...popularFeed(sources, k - items.length, have)];
  }
  return { mode: 'personal', items };
}

/** Puts the best fresh items the visual lists know into the last slot of each `every` when the feed has none there. */
function withFreshSlots(sources: FeedSources, taste: UserTaste, input: BlendInput, items: FeedEntry[], k: number, every: number, why: (p: BlendPick) => Why): FeedEntry[] {
  const fresh = sources.isFresh;
  if (!(every > 0) || !fresh || !taste.interests().length) return items;
  const candidates = () => freshPicks(sources, taste, input, k).map((p) => ({ id: p.id, score: p.score, why: why(p) }));
  return placeFresh(items, candidates, fresh, k, every);
}

/** Items nobody has engaged with, best first by the user's looks (what fresh slots take), for a feed of `k`. */
export function freshCandidates(sources: FeedSources, taste: UserTaste, input: BlendInput, k: number): string[] {
  return sources.isFresh && taste.interests().length ? freshPicks(sources, taste, input, k).map((p) => p.id) : [];
}

function freshPicks(sources: FeedSources, taste: UserTaste, input: BlendInput, k: number): BlendPick[] {
  const fresh = sources.isFresh!;
  const engaged = new Set(taste.items.keys());
  const visual: BlendInput = { multi: input.multi ?? multiList(sources, taste, engaged, poolSize(k)), items: input.items ?? [] };
  return blendRanking(visual, { fusion: 'rank', weights: { ...DEFAULT_BLEND.weights, walk: 0, multi: 1, items: 1 } }, poolSize(k)).filter((p) => fresh(p.id));
}

/** Human text for an explanation; `title` names an item (its title, else its id). */
export function whyText(why: Why, title: (id: string) => string): string {
  switch (why.kind) {
    case 'taste':
      return 'liked by people whose tastes match yours';
    case 'trending':
      return 'popular lately';
    case 'next':
      return `people often go on to this after ${title(why.item)}`;
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
