/**
 * Pure "goes with" scoring: a label co-occurrence prior learned from training groups, the candidate
 * step that favours complementary items (other labels than the query's), top-k, and complete-the-group
 * Recall@10. No I/O and no tfjs here.
 */
import { cappedRecallAtK } from '../eval/metrics.js';
import { shortlistOf } from './shortlist.js';

export interface CandidateStep {
  /** Subtracted from the score of a candidate that shares a label with the query. */
  readonly sameLabelPenalty: number;
  /** Weight of log P(candidate's label | query's label in the group), from training groups. */
  readonly priorWeight: number;
  /** Weight of the generic cosine added to the goes-with score: looking alike is evidence too (same shoot, same room). */
  readonly genericWeight: number;
  /** Weight of the colour cosine (vision/colour.ts, centred on the catalogue): outfits and rooms share a palette and a light. */
  readonly colourWeight: number;
  /** Weight of the two-step group walk (group-walk.ts), scaled to 1 for the best item it reaches; absent = 0. */
  readonly walkWeight?: number;
}

export const NO_STEP: CandidateStep = Object.freeze({ sameLabelPenalty: 0, priorWeight: 0, genericWeight: 0, colourWeight: 0 });

/**
 * Colour vectors centred on their mean and scaled to unit length, so the palette every photo shares
 * (a white packshot background, a studio's light) counts for nothing; an item without one is zeros.
 */
export function centredColours(colours: readonly (Float32Array | undefined)[]): Float32Array[] {
  const have = colours.filter((c): c is Float32Array => c !== undefined && c.length > 0);
  const d = have[0]?.length ?? 0;
  const mean = new Float32Array(d);
  for (const c of have) for (let i = 0; i < d; i++) mean[i]! += c[i]! / have.length;
  return colours.map((c) => {
    const out = new Float32Array(d);
    if (!c?.length) return out;
    let ss = 0;
    for (let i = 0; i < d; i++) ss += (out[i] = c[i]! - mean[i]!) ** 2;
    const norm = Math.sqrt(ss);
    if (norm > 0) for (let i = 0; i < d; i++) out[i]! /= norm;
    return out;
  });
}

export interface LabelPriorJson {
  readonly labels: readonly string[];
  /** Groups containing each label (same order as labels). */
  readonly groups: readonly number[];
  /** [labelIndexA, labelIndexB, groups holding both] with a <= b (a == b: two members share the label). */
  readonly together: readonly (readonly [number, number, number])[];
}

/** How often labels meet in the same group: "skirts go with blouses in 123 outfits". */
export class LabelPrior {
  private readonly index: Map<string, number>;
  private readonly pair = new Map<number, number>();

  constructor(readonly json: LabelPriorJson) {
    this.index = new Map(json.labels.map((l, i) => [l, i]));
    const n = json.labels.length;
    for (const [a, b, c] of json.together) {
      this.pair.set(a * n + b, c);
      this.pair.set(b * n + a, c);
    }
  }

  /** Counts label co-occurrence over groups given as lists of members' label lists. */
  static fit(groups: Iterable<readonly (readonly string[])[]>): LabelPrior {
    const labels = new Map<string, number>();
    const groupCount: number[] = [];
    const together = new Map<string, number>();
    const id = (l: string) => {
      let i = labels.get(l);
      if (i === undefined) {
        labels.set(l, (i = labels.size));
        groupCount.push(0);
      }
      return i;
    };
    for (const members of groups) {
      const present = new Map<number, number>();
      for (const ls of members) for (const l of new Set(ls)) present.set(id(l), (present.get(id(l)) ?? 0) + 1);
      const keys = [...present.keys()].sort((a, b) => a - b);
      for (const a of keys) groupCount[a]!++;
      for (let x = 0; x < keys.length; x++) {
        for (let y = x; y < keys.length; y++) {
          const [a, b] = [keys[x]!, keys[y]!];
          if (a === b && present.get(a)! < 2) continue;
          together.set(`${a},${b}`, (together.get(`${a},${b}`) ?? 0) + 1);
        }
      }
    }
    return new LabelPrior({
      labels: [...labels.keys()],
      groups: groupCount,
      together: [...together].map(([k, c]) => [...(k.split(',').map(Number) as [number, number]), c] as const),
    });
  }

  /** Groups where both labels occur (for a == b: groups with two members carrying it). */
  count(a: string, b: string): number {
    const ia = this.index.get(a);
    const ib = this.index.get(b);
    if (ia === undefined || ib === undefined) return 0;
    return this.pair.get(ia * this.json.labels.length + ib) ?? 0;
  }

  /** Smoothed log P(a group with label `a` also has label `b`), best over the items' label pairs; 0 when either has no label. */
  logProb(qLabels: readonly string[], cLabels: readonly string[]): number {
    let best = -Infinity;
    for (const a of qLabels) {
      const ia = this.index.get(a);
      const na = ia === undefined ? 0 : this.json.groups[ia]!;
      for (const b of cLabels) best = Math.max(best, Math.log((this.count(a, b) + 0.5) / (na + 1)));
    }
    return best === -Infinity ? 0 : best;
  }
}

export function sharesLabel(a: readonly string[], b: readonly string[]): boolean {
  return a.some((l) => b.includes(l));
}

/** Adds the candidate step to `scores` (one per candidate) in place. */
export function applyStep(scores: Float32Array, qLabels: readonly string[], cLabels: readonly (readonly string[])[], step: CandidateStep, prior: LabelPrior | null): Float32Array {
  if (step.sameLabelPenalty === 0 && (step.priorWeight === 0 || !prior)) return scores;
  const memo = new Map<string, number>();
  for (let i = 0; i < scores.length; i++) {
    const ls = cLabels[i]!;
    if (!ls.length || !qLabels.length) continue;
    const key = ls.join('\u0000');
    let adj = memo.get(key);
    if (adj === undefined) {
      adj = (sharesLabel(qLabels, ls) ? -step.sameLabelPenalty : 0) + (prior && step.priorWeight ? step.priorWeight * prior.logProb(qLabels, ls) : 0);
      memo.set(key, adj);
    }
    scores[i] = scores[i]! + adj;
  }
  return scores;
}

/** Indices of the k highest scores, best first, skipping `exclude`. */
export function topK(scores: Float32Array, k: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (exclude.has(i)) continue;
    const s = scores[i]!;
    if (top.length === k && s <= scores[top[k - 1]!]!) continue;
    let p = Math.min(top.length, k - 1);
    if (top.length < k) top.push(i);
    while (p > 0 && scores[top[p - 1]!]! < s) {
      top[p] = top[p - 1]!;
      p--;
    }
    top[p] = i;
  }
  return top;
}

/**
 * Added per group a candidate already shares with the query: items seen together in a room, an
 * outfit or a board go with each other, whatever the model says (its scores are cosines plus steps
 * of a few units at most, so one shared group ranks first).
 */
export const TOGETHER_WEIGHT = 10;

/** How many of the given groups each other item shares with `query` (members by group, from `groupMembers`). */
export function togetherCounts(query: number, groupsOf: readonly (readonly string[])[], members: ReadonlyMap<string, readonly number[]>): Map<number, number> {
  const out = new Map<number, number>();
  for (const g of new Set(groupsOf[query] ?? [])) {
    for (const i of members.get(g) ?? []) if (i !== query) out.set(i, (out.get(i) ?? 0) + 1);
  }
  return out;
}

/** Adds TOGETHER_WEIGHT per shared group to `scores` in place. */
export function addTogether(scores: Float32Array, together: ReadonlyMap<number, number>): Float32Array {
  for (const [i, n] of together) scores[i] = scores[i]! + TOGETHER_WEIGHT * n;
  return scores;
}

/** Adds `weight` times each walk score (group-walk.ts) to `scores` in place. */
export function addWalk(scores: Float32Array, walk: ReadonlyMap<number, number>, weight: number): Float32Array {
  for (const [j, v] of walk) scores[j] = scores[j]! + weight * v;
  return scores;
}

export interface GroupRecallInput {
  /** Candidate labels, by candidate index. */
  readonly labels: readonly (readonly string[])[];
  /** Query candidate indices and, for each, the indices of its held-out group-mates. */
  readonly queries: readonly { readonly index: number; readonly mates: readonly number[] }[];
  /** Base scores of one query against every candidate (a fresh array the caller may keep). */
  readonly scores: (queryIndex: number, queryNumber: number) => Float32Array;
  /** Generic cosines of one query against every candidate, mixed in by the step's genericWeight. */
  readonly generic?: (queryIndex: number, queryNumber: number) => Float32Array;
  /** Colour cosines of one query against every candidate, mixed in by the step's colourWeight. */
  readonly colour?: (queryIndex: number, queryNumber: number) => Float32Array;
  readonly step?: CandidateStep;
  readonly prior?: LabelPrior | null;
  /** Groups the query is known to share with candidates (visible groups only: never the held-out one). */
  readonly together?: (queryIndex: number) => ReadonlyMap<number, number>;
  /** Two-step group walk from the query (group-walk.ts, visible groups only), mixed in by the step's walkWeight. */
  readonly walk?: (queryIndex: number) => ReadonlyMap<number, number>;
  readonly k?: number;
}

/** Complete-the-group Recall@k: hits among the query's group-mates / min(k, mates), the query excluded. */
export function groupRecall(input: GroupRecallInput): { queries: number; recall: number } {
  const k = input.k ?? 10;
  let sum = 0;
  let used = 0;
  input.queries.forEach((q, n) => {
    if (!q.mates.length) return;
    const step = input.step ?? NO_STEP;
    const base = input.scores(q.index, n);
    if (step.genericWeight && input.generic) {
      const g = input.generic(q.index, n);
      for (let i = 0; i < base.length; i++) base[i] = base[i]! + step.genericWeight * g[i]!;
    }
    if (step.colourWeight && input.colour) {
      const c = input.colour(q.index, n);
      for (let i = 0; i < base.length; i++) base[i] = base[i]! + step.colourWeight * c[i]!;
    }
    const s = applyStep(base, input.labels[q.index]!, input.labels, step, input.prior ?? null);
    if (step.walkWeight && input.walk) addWalk(s, input.walk(q.index), step.walkWeight);
    if (input.together) addTogether(s, input.together(q.index));
    const mates = new Set(q.mates);
    const hits = topK(s, k, new Set([q.index])).map((i) => mates.has(i));
    sum += cappedRecallAtK(hits, mates.size, k);
    used++;
  });
  return { queries: used, recall: used ? sum / used : NaN };
}

/** The candidate steps tried on a dev split; the first is "none", and the ones without colour come first (ties keep them). */
export const STEP_GRID: readonly CandidateStep[] = [0, 1, 2, 4, 8, 16].flatMap((colourWeight) =>
  [0, 0.5, 1, 2, 4].flatMap((genericWeight) =>
    [0, 0.05, 0.1, 0.2, 0.5, 2].flatMap((sameLabelPenalty) => [0, 0.02, 0.05].map((priorWeight) => ({ sameLabelPenalty, priorWeight, genericWeight, colourWeight }))),
  ),
);

/** Candidates per query (of each kind: sharing the query's label or not) that `tuneStep` ranks exactly before it falls back to all. */
const SHORTLIST = 256;

/**
 * The step with the best dev recall (ties keep the simpler, earlier one), and each grid point's recall.
 * Every part of a query's scores that does not depend on the step (the base, generic and colour
 * cosines, the same-label mask, the label prior) is computed once per query; each grid point is then
 * one weighted sum and a top k per query, fused into one pass. Measured on ccp's dev split (620 queries
 * x 4,881 candidates, 450 grid points): the grid took about 150 s when every point rebuilt the label
 * terms through applyStep; on the clothing set, the separate passes (copy, three adds, top k) took
 * 69.5 s of CPU in `loupe train` and the fused pass 28.4 s, with the same recall and chosen step.
 *
 * Grid points sharing their generic and colour weights share the sum a = base + generic + colour. The
 * label terms only ever lower it (a penalty >= 0 times the same-label mask, a prior weight >= 0 times
 * a log probability <= 0), so the top k comes from the best `shortlist` candidates by a of each kind
 * (same label or not) plus those seen together with the query, whenever its k-th score beats every
 * candidate left out; otherwise that query and point take the full pass. Same float32 rounding and
 * tie order either way, so the recall of every point is unchanged (a unit test checks it against
 * groupRecall point by point).
 */
export function tuneStep(
  input: Omit<GroupRecallInput, 'step'>,
  grid: readonly CandidateStep[] = STEP_GRID,
  shortlist = SHORTLIST,
): { step: CandidateStep; recall: number; none: number; recalls: number[] } {
  const k = input.k ?? 10;
  const prior = input.prior ?? null;
  // Label terms only when a grid point weighs them (the per-epoch dev recall tries NO_STEP alone).
  const labelTerms = grid.some((step) => step.sameLabelPenalty !== 0 || (prior !== null && step.priorWeight !== 0));
  const parts = input.queries.map((q, n) => {
    if (!q.mates.length) return null;
    const base = input.scores(q.index, n);
    const m = base.length;
    const qLabels = input.labels[q.index]!;
    const same = new Float32Array(labelTerms ? m : 0);
    const logp = new Float32Array(labelTerms ? m : 0);
    const memo = new Map<string, [number, number]>();
    for (let j = 0; j < (labelTerms ? m : 0); j++) {
      const ls = input.labels[j]!;
      if (!ls.length || !qLabels.length) continue;
      const key = ls.join('\u0000');
      let v = memo.get(key);
      if (!v) memo.set(key, (v = [sharesLabel(qLabels, ls) ? 1 : 0, prior ? prior.logProb(qLabels, ls) : 0]));
      [same[j], logp[j]] = v;
    }
    const together = new Float32Array(m);
    for (const [j, count] of input.together?.(q.index) ?? []) together[j] = TOGETHER_WEIGHT * count;
    let maxLogp = -Infinity;
    for (let j = 0; j < logp.length; j++) if (logp[j]! > maxLogp) maxLogp = logp[j]!;
    return { base, generic: input.generic?.(q.index, n), colour: input.colour?.(q.index, n), same, logp, maxLogp, together, mates: new Set(q.mates), query: q.index };
  });
  type Part = NonNullable<(typeof parts)[number]>;
  const topIdx = new Int32Array(k);
  const topVal = new Float64Array(k);
  let filled = 0;
  // A running top k in topK's order (earlier index on ties), candidates offered in index order.
  const offer = (j: number, v: number) => {
    if (filled === k && !(v > topVal[k - 1]!)) return;
    let at = filled < k ? filled++ : k - 1;
    while (at > 0 && topVal[at - 1]! < v) {
      topIdx[at] = topIdx[at - 1]!;
      topVal[at] = topVal[at - 1]!;
      at--;
    }
    topIdx[at] = j;
    topVal[at] = v;
  };
  // The weighted sum, rounded to float32 after each term as the stored arrays of groupRecall are.
  const score = (p: Part, j: number, a: number, pw: number, pen: number) => {
    let v = a;
    if (pen !== 0 || pw !== 0) v = Math.fround(v + (pw * p.logp[j]! - pen * p.same[j]!));
    if (p.together[j] !== 0) v = Math.fround(v + p.together[j]!);
    return j === p.query ? -Infinity : v;
  };
  const recallOfTop = (p: Part) => {
    const hits: boolean[] = [];
    for (let r = 0; r < filled; r++) hits.push(p.mates.has(topIdx[r]!));
    return cappedRecallAtK(hits, p.mates.size, k);
  };
  const usable = grid.map((step) => !((step.genericWeight && !input.generic) || (step.colourWeight && !input.colour)));
  const sums = new Float64Array(grid.length);
  // Grid points by (generic, colour) weights, in grid order.
  const byMix = new Map<string, number[]>();
  grid.forEach((step, i) => {
    if (!usable[i]) return;
    const key = `${step.genericWeight}/${step.colourWeight}`;
    (byMix.get(key) ?? byMix.set(key, []).get(key)!).push(i);
  });
  const a = new Float32Array(input.labels.length);
  for (const points of byMix.values()) {
    const { genericWeight: gw, colourWeight: cw } = grid[points[0]!]!;
    const fast = points.length >= 4;
    for (const p of parts) {
      if (!p) continue;
      const g = gw ? p.generic : undefined;
      const c = cw ? p.colour : undefined;
      const m = p.base.length;
      for (let j = 0; j < m; j++) {
        let v = p.base[j]!;
        if (g) v = Math.fround(v + gw * g[j]!);
        if (c) v = Math.fround(v + cw * c[j]!);
        a[j] = v;
      }
      const short = fast ? shortlistOf(p, a, m, shortlist) : undefined;
      for (const i of points) {
        const pen = grid[i]!.sameLabelPenalty;
        const pw = prior ? grid[i]!.priorWeight : 0;
        filled = 0;
        if (short && pen >= 0 && pw >= 0 && p.maxLogp <= 0) {
          for (const j of short.indices) offer(j, score(p, j, a[j]!, pw, pen));
          const outside = Math.max(short.out0, pen ? Math.fround(short.out1 - pen) : short.out1);
          if (filled < k || !(topVal[k - 1]! > outside)) filled = 0;
        }
        if (filled === 0) for (let j = 0; j < m; j++) offer(j, score(p, j, a[j]!, pw, pen));
        sums[i]! += recallOfTop(p);
      }
    }
  }
  const used = parts.filter(Boolean).length;
  const recalls = grid.map((_, i) => (usable[i] && used ? sums[i]! / used : NaN));
  let best = { step: grid[0]!, recall: -Infinity };
  let none = NaN;
  grid.forEach((step, i) => {
    if (!usable[i]) return;
    const r = recalls[i]!;
    if (step.sameLabelPenalty === 0 && step.priorWeight === 0 && step.genericWeight === 0 && step.colourWeight === 0) none = r;
    if (r > best.recall + 1e-9) best = { step, recall: r };
  });
  return { ...best, none, recalls };
}
