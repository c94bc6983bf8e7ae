import type { TasteEvent } from './actions.js';
import { BLEND_SOURCES, DEFAULT_BLEND, type BlendInput, type BlendWeights } from './blend.js';
import type { CollabModel } from './collab/model.js';
import { kCentreKeys } from './diversify.js';
import { composeFeed, freshCandidates, gatherBlend, type ComposedFeed, type FeedMethod, type FeedSources, type Neighbour } from './feed.js';
import { FRESH_EVERY_DEFAULT, type FreshCandidates } from './fresh-slots.js';
import { TasteGraph } from './graph.js';
import { DEFAULT_TASTE, UserTaste, type TasteOptions } from './interests.js';
import { hashString, type Vec } from './vec.js';
import type { SimilarFn, WalkOptions } from './walk.js';

/** One embedding version's vectors: the serving index, or anything shaped like it. */
export interface VectorSource {
  vector(id: string): ArrayLike<number> | undefined;
  search(vec: ArrayLike<number>, k: number, exclude?: ReadonlySet<string>): readonly Neighbour[];
  /** The item's precomputed more-like-this list when the index keeps one (a lookup, not a search); undefined otherwise. */
  related?(id: string, k: number): readonly Neighbour[] | undefined;
}

export interface EngineOptions {
  taste: TasteOptions;
  walk: Partial<WalkOptions>;
  /** Visual neighbours per item that walks may hop to (0: walks use the graph only). */
  similarK: number;
  /** New similarity lookups one feed may make (each is an index search); the rest are cached. */
  similarBudget: number;
  /** User models held in memory (least recently used ones are dropped and rebuilt from events). */
  maxUsers: number;
  /** How the `blend` feed weighs its sources: the version's fitted weights, or the defaults. */
  blend: BlendWeights;
  /** The last slot of every this many in a blended feed goes to an item nobody engaged with yet, found by looks (0: off); a fitted blend's own rate wins. */
  freshEvery: number;
}

export const DEFAULT_ENGINE: EngineOptions = Object.freeze({
  taste: DEFAULT_TASTE,
  walk: { steps: 6000 },
  similarK: 10,
  similarBudget: 64,
  maxUsers: 20_000,
  blend: DEFAULT_BLEND,
  freshEvery: FRESH_EVERY_DEFAULT,
});

/** Unlabelled items among the popular ones are spread over this many visual clusters. */
const COLD_CLUSTERS = 8;

/**
 * Everything a feed needs, in memory, for one embedding version: the taste graph, popularity and
 * the user models. Pure state: the caller feeds it catalogue rows and events and owns the I/O.
 */
export class FeedEngine {
  readonly graph = new TasteGraph();
  readonly options: EngineOptions;
  private readonly popularity = new Map<string, number>();
  private readonly labels = new Map<string, string>();
  private readonly catalogue: string[] = [];
  private popularList: { id: string; score: number; key: string }[] | undefined;
  private sincePopular = 0;
  private readonly tastes = new Map<string, UserTaste>();
  private readonly similarCache = new Map<string, readonly Neighbour[]>();
  /** The collaborative models trained from the events (absent until there are enough). */
  collab: CollabModel | undefined;

  constructor(
    readonly vectors: VectorSource,
    options: Partial<EngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_ENGINE, ...options };
  }

  /** A catalogue item: its first label keys diversity, its groups become graph nodes. */
  addItem(id: string, labels: readonly string[], groups: readonly string[]): void {
    if (!this.labels.has(id)) this.catalogue.push(id);
    this.graph.node('item', id);
    this.labels.set(id, labels[0] ?? '');
    for (const g of groups) this.graph.addMembership(id, g);
    this.popularList = undefined;
  }

  /** Engagement for the graph and popularity only (bulk loading); user models are built on demand. */
  engage(user: string, item: string, weight: number): void {
    this.graph.addEngagement(user, item, weight);
    this.popularity.set(item, (this.popularity.get(item) ?? 0) + weight);
    // Re-ranking a large catalogue per event would cost a feed its latency; a ranking a few events old is as good.
    if (this.popularList && ++this.sincePopular > Math.max(100, this.popularity.size / 100)) this.popularList = undefined;
  }

  /** A new event: graph, popularity and (when held) the user's model, at once. */
  record(ev: TasteEvent): void {
    this.engage(ev.user, ev.item, ev.weight);
    const taste = this.tastes.get(ev.user);
    if (taste) taste.add(ev.item, ev.action, ev.weight, ev.ts, this.vectors.vector(ev.item));
  }

  /** The held model of `user`, if any (marked recently used). */
  taste(user: string): UserTaste | undefined {
    const t = this.tastes.get(user);
    if (t) {
      this.tastes.delete(user);
      this.tastes.set(user, t);
    }
    return t;
  }

  /** Builds and holds a user's model from their events (any order is fine). */
  buildTaste(user: string, events: readonly Pick<TasteEvent, 'item' | 'action' | 'weight' | 'ts'>[]): UserTaste {
    const t = new UserTaste(user, this.options.taste, (id) => this.vectors.vector(id));
    for (const e of events) t.add(e.item, e.action, e.weight, e.ts, this.vectors.vector(e.item));
    this.tastes.delete(user);
    this.tastes.set(user, t);
    while (this.tastes.size > this.options.maxUsers) this.tastes.delete(this.tastes.keys().next().value!);
    return t;
  }

  forget(user: string): void {
    this.tastes.delete(user);
  }

  get heldUsers(): number {
    return this.tastes.size;
  }

  /** Items by weighted engagement (then by graph degree), each with a label or cluster key. */
  popular(): readonly { id: string; score: number; key: string }[] {
    if (this.popularList) return this.popularList;
    this.sincePopular = 0;
    const degree = (id: string) => {
      const n = this.graph.find('item', id);
      return n < 0 ? 0 : this.graph.degree(n);
    };
    const ids = [...new Set([...this.catalogue, ...this.popularity.keys()])];
    const ranked = ids.map((id) => ({ id, score: this.popularity.get(id) ?? 0, degree: degree(id) })).sort((a, b) => b.score - a.score || b.degree - a.degree || (a.id < b.id ? -1 : 1));
    const unlabelled = ranked
      .filter((r) => !this.labels.get(r.id))
      .slice(0, 500)
      .map((r) => r.id);
    const clusters = kCentreKeys(unlabelled, (id) => this.vectors.vector(id), COLD_CLUSTERS);
    this.popularList = ranked.map((r) => ({ id: r.id, score: r.score, key: this.labels.get(r.id) || clusters.get(r.id) || '' }));
    return this.popularList;
  }

  /** Visual neighbours for walks, cached; at most `budget` new index searches per call site. */
  similarFn(budget: number): SimilarFn | undefined {
    const m = this.options.similarK;
    if (m <= 0) return undefined;
    let left = budget;
    return (item) => {
      const hit = this.similarCache.get(item) ?? this.vectors.related?.(item, m);
      if (hit || left <= 0) return hit;
      left--;
      const v = this.vectors.vector(item);
      const list = v ? this.vectors.search(v, m, new Set([item])) : [];
      this.similarCache.set(item, list);
      return list;
    };
  }

  /** Fills the similarity cache for `ids` (evaluation: results independent of request order). */
  warmSimilar(ids: Iterable<string>): void {
    const fn = this.similarFn(Infinity);
    for (const id of ids) fn?.(id);
  }

  /** Takes over another engine's neighbour lists for the same vectors (evaluation: warm once). */
  shareSimilar(from: FeedEngine): void {
    for (const [id, list] of from.similarCache) this.similarCache.set(id, list);
  }

  /** Drops cached neighbour lists (after the index changed). */
  clearSimilar(): void {
    this.similarCache.clear();
  }

  sources(): FeedSources {
    // One feed reads the same few hundred vectors many times; index reads copy, so keep them.
    const memo = new Map<string, ArrayLike<number> | undefined>();
    const vectorOf = (id: string) => {
      if (!memo.has(id)) memo.set(id, this.vectors.vector(id));
      return memo.get(id);
    };
    return {
      graph: this.graph,
      vectorOf,
      ann: (vec: Vec, k, exclude) => this.vectors.search(vec, k, exclude),
      similar: this.similarFn(this.options.similarBudget),
      popular: () => this.popular(),
      isFresh: (id) => !this.popularity.has(id),
      collab: this.collab,
    };
  }

  /** The feed of `user` from their held model (popular-and-diverse when none is held). */
  feed(user: string, k: number, method: FeedMethod = 'blend'): ComposedFeed {
    const { blend } = this.options;
    return composeFeed(this.sources(), this.taste(user), { k, method, walk: this.options.walk, seed: hashString(user), blend, freshEvery: blend.freshEvery ?? this.options.freshEvery });
  }

  /**
   * Every list a blended feed of `k` could fuse for `user`, for fitting blend weights; undefined
   * when the user has no held model.
   */
  blendInput(user: string, k: number): BlendInput | undefined {
    return this.blendCase(user, k)?.input;
  }

  /** `blendInput` and, for fitting the fresh-slot rate, the fresh items its looks would offer. */
  blendCase(user: string, k: number): { input: BlendInput; fresh: FreshCandidates } | undefined {
    const taste = this.taste(user);
    if (!taste || taste.events === 0) return undefined;
    const sources = this.sources();
    const input = gatherBlend(sources, taste, { k, walk: this.options.walk, seed: hashString(user), want: BLEND_SOURCES });
    return { input, fresh: { candidates: freshCandidates(sources, taste, input, k), isFresh: sources.isFresh ?? (() => false) } };
  }
}
