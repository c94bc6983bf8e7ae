import { DAY_MS, DEFAULT_HALF_LIFE_DAYS } from './actions.js';
import { axpy, dot, normalized, type Vec } from './vec.js';

/**
 * A user's taste as a few interest centres over one embedding version (PinnerSage-style), kept up
 * to date one event at a time. Each distinct engaged item starts as its own cluster and, once the
 * user has more clusters than their history supports, the cheapest pair is merged (Ward's
 * criterion). Recency works without touching old state: an event's weight is stored scaled by
 * 2^((ts - anchor) / halfLife), so newer events simply count more and out-of-order arrivals land
 * where they belong; reads divide the scale back out.
 */
export interface TasteOptions {
  /** Half-life of an event's weight, in ms (Infinity: no recency weighting). */
  halfLifeMs: number;
  /** Upper bound on interest centres per user. */
  maxInterests: number;
}

export const DEFAULT_TASTE: TasteOptions = Object.freeze({ halfLifeMs: DEFAULT_HALF_LIFE_DAYS * DAY_MS, maxInterests: 5 });

/** How many centres a history of `n` distinct items supports: 1, 2 from 3 items, 3 from 9, 4 from 19, 5 from 33. */
export function interestCap(n: number, max: number): number {
  return Math.max(1, Math.min(max, Math.ceil(Math.sqrt(n / 2))));
}

interface Centre {
  id: number;
  sum: Vec;
  w: number;
  members: Set<string>;
}

export interface Engagement {
  /** Anchored weight (compare within a user; use `weightAt` for an absolute value). */
  w: number;
  /** Summed action weights, without recency (what the collaborative models were trained on). */
  total: number;
  /** The strongest action taken on the item (by its weight), for explanations. */
  action: string;
  actionWeight: number;
  lastTs: number;
  /** Centre the item belongs to; undefined when the version has no vector for it. */
  centre: number | undefined;
}

export interface InterestView {
  /** 0-based rank by weight (interest 1 in explanations is index 0). */
  index: number;
  /** Unit-length centroid: the query for neighbours. */
  vec: Vec;
  /** Share of the user's (recency-weighted) engagement, summing to 1 over interests. */
  share: number;
  size: number;
  members: string[];
  /** The member engaged with most strongly, as the interest's example. */
  exemplar: { item: string; action: string };
}

/** Anchored exponents above this are folded back into the weights so nothing overflows. */
const REBASE_AT = 60;

export class UserTaste {
  readonly items = new Map<string, Engagement>();
  private centres: Centre[] = [];
  private nextId = 0;
  private anchor: number | undefined;
  /** Number of events folded in. */
  events = 0;
  /** Latest event time seen (ms). */
  clock = -Infinity;
  private withVector = 0;

  /** `vectorOf` lets the model re-cluster its history when it grows into one more centre. */
  constructor(
    readonly user: string,
    readonly options: TasteOptions = DEFAULT_TASTE,
    private readonly vectorOf?: (item: string) => ArrayLike<number> | undefined,
  ) {}

  private scaleAt(ts: number): number {
    const h = this.options.halfLifeMs;
    if (!(h > 0) || !Number.isFinite(h)) return 1;
    if (this.anchor === undefined) this.anchor = ts;
    let e = (ts - this.anchor) / h;
    if (e > REBASE_AT) {
      this.rebase(Math.pow(2, -e));
      this.anchor = ts;
      e = 0;
    }
    return Math.pow(2, e);
  }

  private rebase(f: number): void {
    for (const c of this.centres) {
      c.w *= f;
      for (let i = 0; i < c.sum.length; i++) c.sum[i]! *= f;
    }
    for (const e of this.items.values()) e.w *= f;
  }

  /** Folds one event in. `vec` is the item's vector in the served version (undefined if it has none). */
  add(item: string, action: string, weight: number, ts: number, vec: ArrayLike<number> | undefined): void {
    const aw = weight * this.scaleAt(ts);
    this.events++;
    if (ts > this.clock) this.clock = ts;
    let e = this.items.get(item);
    if (!e) {
      e = { w: 0, total: 0, action, actionWeight: weight, lastTs: ts, centre: undefined };
      this.items.set(item, e);
    }
    e.w += aw;
    e.total += weight;
    if (weight > e.actionWeight) [e.action, e.actionWeight] = [action, weight];
    if (ts > e.lastTs) e.lastTs = ts;
    if (!vec) return;
    const x = normalized(vec);
    let centre = e.centre === undefined ? undefined : this.centres.find((c) => c.id === e.centre);
    if (!centre) {
      centre = { id: this.nextId++, sum: new Float32Array(x.length), w: 0, members: new Set([item]) };
      this.centres.push(centre);
      e.centre = centre.id;
      this.withVector++;
    }
    axpy(centre.sum, aw, x);
    centre.w += aw;
    const cap = interestCap(this.withVector, this.options.maxInterests);
    // Merges are never undone, so when the history earns one more centre, regroup it from scratch
    // (bounded: the cap stops growing at a few dozen items).
    if (cap > interestCap(this.withVector - 1, this.options.maxInterests) && this.vectorOf) this.recluster(cap);
    while (this.centres.length > cap) this.mergeCheapest();
  }

  /** Ward agglomeration of every engaged item into `cap` centres (Lance-Williams updates). */
  private recluster(cap: number): void {
    const ids: string[] = [];
    const xs: Vec[] = [];
    for (const [id, e] of this.items) {
      if (e.centre === undefined) continue;
      const v = this.vectorOf!(id);
      if (!v) return;
      ids.push(id);
      xs.push(normalized(v));
    }
    const n = ids.length;
    const w = ids.map((id) => this.items.get(id)!.w);
    // d2[i][j]: squared distance between cluster centroids.
    const d2 = xs.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d2[i]![j] = d2[j]![i] = Math.max(0, 2 - 2 * dot(xs[i]!, xs[j]!));
    const alive = new Set(ids.map((_, i) => i));
    const groups = ids.map((_, i) => [i]);
    while (alive.size > cap) {
      let best = Infinity;
      let bi = -1;
      let bj = -1;
      for (const i of alive) {
        for (const j of alive) {
          if (j <= i) continue;
          const cost = ((w[i]! * w[j]!) / (w[i]! + w[j]!)) * d2[i]![j]!;
          if (cost < best) [best, bi, bj] = [cost, i, j];
        }
      }
      const wi = w[bi]!;
      const wj = w[bj]!;
      const wij = wi + wj;
      for (const k of alive) {
        if (k === bi || k === bj) continue;
        const d = (wi / wij) * d2[k]![bi]! + (wj / wij) * d2[k]![bj]! - ((wi * wj) / (wij * wij)) * d2[bi]![bj]!;
        d2[k]![bi] = d2[bi]![k] = Math.max(0, d);
      }
      w[bi] = wij;
      groups[bi]!.push(...groups[bj]!);
      alive.delete(bj);
    }
    this.centres = [...alive].map((g) => {
      const c: Centre = { id: this.nextId++, sum: new Float32Array(xs[0]!.length), w: 0, members: new Set() };
      for (const i of groups[g]!) {
        const e = this.items.get(ids[i]!)!;
        axpy(c.sum, e.w, xs[i]!);
        c.w += e.w;
        c.members.add(ids[i]!);
        e.centre = c.id;
      }
      return c;
    });
  }

  /** Ward: merging a and b costs wa*wb/(wa+wb) * |ma - mb|^2. */
  private mergeCheapest(): void {
    const cs = this.centres;
    const means = cs.map((c) => ({ c, sq: dot(c.sum, c.sum) / (c.w * c.w) }));
    let best = Infinity;
    let pair: [number, number] = [0, 1];
    for (let i = 0; i < cs.length; i++) {
      for (let j = i + 1; j < cs.length; j++) {
        const a = cs[i]!;
        const b = cs[j]!;
        const d2 = means[i]!.sq + means[j]!.sq - (2 * dot(a.sum, b.sum)) / (a.w * b.w);
        const cost = ((a.w * b.w) / (a.w + b.w)) * Math.max(0, d2);
        if (cost < best) [best, pair] = [cost, [i, j]];
      }
    }
    const [i, j] = pair;
    const [keep, drop] = cs[i]!.members.size >= cs[j]!.members.size ? [cs[i]!, cs[j]!] : [cs[j]!, cs[i]!];
    axpy(keep.sum, 1, drop.sum);
    keep.w += drop.w;
    for (const m of drop.members) {
      keep.members.add(m);
      this.items.get(m)!.centre = keep.id;
    }
    this.centres = cs.filter((c) => c !== drop);
  }

  /** Interest centres, strongest first. */
  interests(): InterestView[] {
    const total = this.centres.reduce((s, c) => s + c.w, 0);
    return [...this.centres]
      .sort((a, b) => b.w - a.w || a.id - b.id)
      .map((c, index) => {
        const members = [...c.members].sort((a, b) => this.items.get(b)!.w - this.items.get(a)!.w || (a < b ? -1 : 1));
        const top = this.items.get(members[0]!)!;
        return { index, vec: normalized(c.sum), share: total > 0 ? c.w / total : 1 / this.centres.length, size: c.members.size, members, exemplar: { item: members[0]!, action: top.action } };
      });
  }

  /** The single-embedding baseline: recency-weighted mean of every engaged item's vector. */
  meanVector(): Vec | undefined {
    if (!this.centres.length) return undefined;
    const sum = new Float32Array(this.centres[0]!.sum.length);
    for (const c of this.centres) axpy(sum, 1, c.sum);
    return normalized(sum);
  }

  /** Engaged items with relative recency-weighted weights (max 1), strongest first. */
  engagement(limit = Infinity): { item: string; weight: number; action: string }[] {
    const all = [...this.items].sort((a, b) => b[1].w - a[1].w || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
    const top = all[0]?.[1].w ?? 1;
    return all.map(([item, e]) => ({ item, weight: e.w / top, action: e.action }));
  }

  /** Absolute recency-weighted weight of an item at time `now`. */
  weightAt(item: string, now: number): number {
    const e = this.items.get(item);
    if (!e) return 0;
    const h = this.options.halfLifeMs;
    if (this.anchor === undefined || !(h > 0) || !Number.isFinite(h)) return e.w;
    return e.w * Math.pow(2, -(now - this.anchor) / h);
  }
}
