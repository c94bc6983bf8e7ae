import type { TasteGraph } from './graph.js';
import { seededRandom } from './vec.js';

/**
 * Pixie-style random walks with restarts from a user's engaged items. From a seed the walker
 * either hops to a visually similar item (when a similarity list is given) or crosses a user or
 * group node to another item; further steps only cross. Each crossing picks the middle node with probability
 * proportional to edge weight * degree^-hubDamping, so a board with thousands of items does not
 * swallow every walk. Each seed gets a share of the step budget (Pixie's w * d * (C - log d)),
 * stops early once `enough` candidates have `minVisits` visits, and per-seed counts are combined
 * with Pixie's boost (sum of square roots, squared), which favours items reached from many seeds.
 */
export interface WalkOptions {
  /** Total step budget over all seeds. */
  steps: number;
  /** Probability of jumping back to the seed after each step (mean walk length 1/restart). */
  restart: number;
  /** Exponent of the degree penalty on the middle node of a crossing (0: none). */
  hubDamping: number;
  /** Probability of a similarity hop when the item has both kinds of neighbours. */
  similarHop: number;
  minVisits: number;
  enough: number;
  seed: number;
  /** Results kept, best first. */
  top: number;
}

export const DEFAULT_WALK: WalkOptions = Object.freeze({ steps: 20_000, restart: 0.5, hubDamping: 0.5, similarHop: 0.5, minVisits: 4, enough: 200, seed: 1, top: Infinity });

export interface WalkSeed {
  item: string;
  weight: number;
}

/** Visual neighbours of an item (best first), or undefined when unknown. */
export type SimilarFn = (item: string) => readonly { id: string; score: number }[] | undefined;

export interface WalkResult {
  /** Boosted visit score per reached item (seeds and excluded items left out), highest first (ties: first met in the graph first). */
  scores: [string, number][];
  steps: number;
  /** Seeds whose walk stopped early because enough candidates were found. */
  stoppedEarly: number;
}

interface Dist {
  targets: readonly number[];
  cum: Float64Array;
}

function pick(d: Dist, rand: () => number): number {
  const cum = d.cum;
  const r = rand() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return d.targets[lo]!;
}

export interface WalkContext {
  /** Visual neighbours a walk may hop to from a seed. */
  similar?: SimilarFn | undefined;
  /** Items never counted (what the user already engaged with). */
  exclude?: ReadonlySet<string> | undefined;
  /** The walking user: their own node is never crossed (it only leads back to their items). */
  user?: string | undefined;
}

export function pixieWalk(graph: TasteGraph, seeds: readonly WalkSeed[], opts: Partial<WalkOptions> = {}, ctx: WalkContext = {}): WalkResult {
  try {
    return walkWith(graph, seeds, { ...DEFAULT_WALK, ...opts }, ctx);
  } finally {
    const s = scratch;
    // Two byte arrays: a memset of the node count, far cheaper than the float arrays' fill.
    s.blocked.fill(0);
    s.isSeed.fill(0);
    for (const n of s.touched) s.damp[n] = s.crossMax[n] = -1;
    s.touched.length = 0;
  }
}

/** Per-node scratch a walk reads and writes, kept between walks: allocating and filling it per feed cost a 100k-item graph megabytes per call. */
interface WalkScratch {
  blocked: Uint8Array;
  isSeed: Uint8Array;
  /** -1 where not yet computed; every node set is listed in `touched` and reset after the walk. */
  damp: Float64Array;
  crossMax: Float64Array;
  touched: number[];
}
let scratch: WalkScratch = { blocked: new Uint8Array(0), isSeed: new Uint8Array(0), damp: new Float64Array(0), crossMax: new Float64Array(0), touched: [] };

function scratchFor(size: number): WalkScratch {
  if (scratch.blocked.length >= size) return scratch;
  const cap = Math.max(size, Math.ceil(scratch.blocked.length * 1.5), 1024);
  scratch = { blocked: new Uint8Array(cap), isSeed: new Uint8Array(cap), damp: new Float64Array(cap).fill(-1), crossMax: new Float64Array(cap).fill(-1), touched: [] };
  return scratch;
}

function walkWith(graph: TasteGraph, seeds: readonly WalkSeed[], o: WalkOptions, ctx: WalkContext): WalkResult {
  const { similar, exclude } = ctx;
  const self = ctx.user === undefined ? -1 : graph.find('user', ctx.user);
  const rand = seededRandom(o.seed);
  // Everything below works on node numbers; items only known to the similarity lists get nodes too.
  const seedNodes = seeds.map((s) => graph.node('item', s.item));
  const excluded = [...(exclude ?? [])].map((id) => graph.node('item', id));
  const hops = new Map<number, Dist | null>();
  const hop = (n: number): Dist | null => {
    let d = hops.get(n);
    if (d === undefined) {
      const list = similar?.(graph.id(n)) ?? [];
      let sum = 0;
      const cum = Float64Array.from(list, (x) => (sum += Math.max(0, x.score)));
      hops.set(n, (d = sum > 0 ? { targets: list.map((x) => graph.node('item', x.id)), cum } : null));
    }
    return d;
  };
  if (similar) for (const n of seedNodes) hop(n);
  // Nodes made from here on (items first met in a similarity list) cannot be seeds or excluded.
  const size = graph.nodeCount;
  const { blocked, isSeed, damp, crossMax, touched } = scratchFor(size);
  // 1: a seed whose only way on is a similarity hop; 2: a seed that can also cross.
  for (const n of seedNodes) {
    blocked[n] = 1;
    isSeed[n] = graph.degree(n) > (self >= 0 && graph.slot(n, self) >= 0 ? 1 : 0) ? 2 : 1;
  }
  for (const n of excluded) blocked[n] = 1;

  const dampOf = (m: number) => {
    if (m >= size) return Math.pow(graph.degree(m), -o.hubDamping);
    if (damp[m]! < 0) {
      if (crossMax[m]! < 0) touched.push(m);
      damp[m] = Math.pow(graph.degree(m), -o.hubDamping);
    }
    return damp[m]!;
  };
  const crossMass = (w: number, m: number) => (m === self ? 0 : w * dampOf(m));
  // Rejection sampling: a uniform neighbour, kept with probability mass / (the node's largest
  // mass); exact, and O(1) per step once a node's largest mass is known. Long losing streaks
  // fall back to an exact linear scan. Crossing an item -> middle node weighs edges by
  // weight * degree^-hubDamping (hubs damped); fanning out middle node -> item by weight alone.
  // (Cumulative masses per node and a binary search were measured 25% slower: most nodes are met once.)
  const sample = (n: number, damped: boolean): number => {
    const nb = graph.neighbours(n);
    const w = graph.weights(n);
    const deg = nb.length;
    if (deg <= 1) return deg ? nb[0]! : -1;
    let top = damped ? (n < size ? crossMax[n]! : -1) : graph.maxWeight(n);
    if (top < 0) {
      for (let i = 0; i < deg; i++) top = Math.max(top, crossMass(w[i]!, nb[i]!));
      if (n < size) {
        if (damp[n]! < 0) touched.push(n);
        crossMax[n] = top;
      }
    }
    if (!(top > 0)) return -1;
    for (let tries = 0; tries < 16; tries++) {
      const i = Math.floor(rand() * deg);
      if (rand() * top < (damped ? crossMass(w[i]!, nb[i]!) : w[i]!)) return nb[i]!;
    }
    let total = 0;
    for (let i = 0; i < deg; i++) total += damped ? crossMass(w[i]!, nb[i]!) : w[i]!;
    let r = rand() * total;
    for (let i = 0; i < deg; i++) if ((r -= damped ? crossMass(w[i]!, nb[i]!) : w[i]!) < 0) return nb[i]!;
    return nb[deg - 1]!;
  };

  const reach = seedNodes.map((n) => Math.max(1, graph.degree(n) + (hops.get(n)?.targets.length ?? 0)));
  const c = Math.max(...reach.map((d) => Math.log(d))) + 1;
  const scaled = seeds.map((s, i) => Math.max(0, s.weight) * reach[i]! * (c - Math.log(reach[i]!)));
  const total = scaled.reduce((a, b) => a + b, 0) || 1;

  const boosted = new Map<number, number>();
  const visits = new Map<number, number>();
  let steps = 0;
  let stoppedEarly = 0;
  seedNodes.forEach((seed, si) => {
    const budget = Math.round((o.steps * scaled[si]!) / total);
    visits.clear();
    let full = 0;
    let n = seed;
    for (let t = 0; t < budget; t++) {
      steps++;
      // Visual neighbours only extend seeds: chains of look-alikes drift off-taste, while the
      // exploring is left to people and boards.
      const sim = n < size && isSeed[n] ? hop(n) : null;
      let next = -1;
      if (sim && (isSeed[n] === 1 || rand() < o.similarHop)) {
        next = pick(sim, rand);
      } else {
        const mid = sample(n, true);
        if (mid < 0) {
          n = seed;
          continue;
        }
        // Stepping straight back to where the walker stands would only spend the budget.
        for (let tries = 0; tries < 8 && (next < 0 || next === n); tries++) next = sample(mid, false);
      }
      if (next < 0) {
        n = seed;
        continue;
      }
      if (!(next < size && blocked[next])) {
        const v = (visits.get(next) ?? 0) + 1;
        visits.set(next, v);
        if (v === o.minVisits && ++full >= o.enough) {
          stoppedEarly++;
          break;
        }
      }
      n = rand() < o.restart ? seed : next;
    }
    for (const [m, v] of visits) boosted.set(m, (boosted.get(m) ?? 0) + Math.sqrt(v));
  });
  const ranked = [...boosted].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, o.top);
  return { scores: ranked.map(([m, r]) => [graph.id(m), r * r]), steps, stoppedEarly };
}

export type WalkReason = { kind: 'group'; group: string; item: string } | { kind: 'people'; item: string } | { kind: 'similar'; item: string } | { kind: 'walk'; item: string | undefined };

/**
 * Why a walk reached `candidate`, checked after the fact: it shares a group with something the
 * user engaged with, or someone else engaged with both, or it looks like one of them.
 */
export function walkExplainer(graph: TasteGraph, user: string | undefined, engaged: readonly string[], similar?: SimilarFn): (candidate: string) => WalkReason {
  const self = user === undefined ? -1 : graph.find('user', user);
  const via = new Map<number, string>();
  for (const item of engaged) {
    const n = graph.find('item', item);
    if (n < 0) continue;
    for (const m of graph.neighbours(n)) if (m !== self && !via.has(m)) via.set(m, item);
  }
  return (candidate) => {
    const n = graph.find('item', candidate);
    let people: string | undefined;
    if (n >= 0) {
      for (const m of graph.neighbours(n)) {
        const item = via.get(m);
        if (item === undefined) continue;
        if (graph.kind(m) === 'group') return { kind: 'group', group: graph.id(m), item };
        people ??= item;
      }
    }
    if (people !== undefined) return { kind: 'people', item: people };
    for (const item of engaged) if (similar?.(item)?.some((s) => s.id === candidate)) return { kind: 'similar', item };
    return { kind: 'walk', item: engaged[0] };
  };
}
