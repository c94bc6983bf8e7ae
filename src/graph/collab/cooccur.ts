/**
 * Item-based collaborative filtering: each item's nearest items by cosine over the users who
 * engaged with both ("people who engaged with this also engaged with"), top `neighbours` kept.
 * A feed scores candidates by summing neighbour similarity times the user's (recency-weighted)
 * engagement with each of their items.
 */
import { strength, topIndices, type Csr, type EngagementMatrix, type Strength, type Votes } from './matrix.js';

export interface CooccurOptions {
  neighbours: number;
  /** Users with more items than this count with their `maxUserItems` latest (bounds Σ n_u²). */
  maxUserItems: number;
  /** Shrinks similarities resting on few shared users: sim · n / (n + shrink). */
  shrink: number;
  strength: Strength;
}

export const DEFAULT_COOCCUR: CooccurOptions = Object.freeze({ neighbours: 100, maxUserItems: 500, shrink: 2, strength: 'binary' });

/** Rows by matrix item index: the item's neighbours, best first. */
export type CooccurModel = Csr;

export function trainCooccur(m: EngagementMatrix, opts: CooccurOptions = DEFAULT_COOCCUR): CooccurModel {
  const nItems = m.items.length;
  // Heavy users count with their latest `maxUserItems` items only (bounds Σ n_u²).
  const capped = new Map<number, Set<number>>();
  for (let u = 0; u < m.users.length; u++) {
    const lo = m.byUser.ptr[u]!;
    const hi = m.byUser.ptr[u + 1]!;
    if (hi - lo <= opts.maxUserItems) continue;
    const order = Array.from({ length: hi - lo }, (_, e) => lo + e).sort((a, b) => m.lastTs[b]! - m.lastTs[a]!);
    capped.set(u, new Set(order.slice(0, opts.maxUserItems).map((p) => m.byUser.col[p]!)));
  }
  const kept = (u: number, i: number) => capped.get(u)?.has(i) ?? true;
  const x = new Float32Array(m.byUser.val.length);
  for (let p = 0; p < x.length; p++) x[p] = kept(rowOf(m.byUser.ptr, p), m.byUser.col[p]!) ? strength(m.byUser.val[p]!, opts.strength) : 0;
  const norms = new Float64Array(nItems);
  for (let p = 0; p < x.length; p++) norms[m.byUser.col[p]!]! += x[p]! * x[p]!;
  for (let i = 0; i < nItems; i++) norms[i] = Math.sqrt(norms[i]!);

  const acc = new Float64Array(nItems);
  const shared = new Int32Array(nItems);
  const touched: number[] = [];
  const ptr = new Int32Array(nItems + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < nItems; i++) {
    for (let q = m.byItem.ptr[i]!; q < m.byItem.ptr[i + 1]!; q++) {
      const u = m.byItem.col[q]!;
      if (!kept(u, i)) continue;
      const xi = strength(m.byItem.val[q]!, opts.strength);
      for (let e = m.byUser.ptr[u]!; e < m.byUser.ptr[u + 1]!; e++) {
        const j = m.byUser.col[e]!;
        const xj = x[e]!;
        if (j === i || xj === 0) continue;
        if (shared[j] === 0) touched.push(j);
        acc[j]! += xi * xj;
        shared[j]!++;
      }
    }
    const scores = touched.map((j) => (acc[j]! / (norms[i]! * norms[j]! || 1)) * (shared[j]! / (shared[j]! + opts.shrink)));
    const best = topIndices(scores, opts.neighbours);
    for (const b of best) {
      col.push(touched[b.index]!);
      val.push(b.score);
    }
    ptr[i + 1] = col.length;
    for (const j of touched) [acc[j], shared[j]] = [0, 0];
    touched.length = 0;
  }
  return { ptr, col: Int32Array.from(col), val: Float32Array.from(val) };
}

/** The row of CSR entry `p` (binary search over the row pointers). */
function rowOf(ptr: Int32Array, p: number): number {
  let lo = 0;
  let hi = ptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ptr[mid]! <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Adds neighbour votes for a profile (matrix item index, weight), each with the engaged item that cast it. */
export function cooccurScores(model: CooccurModel, profile: readonly { item: number; weight: number }[], votes: Votes): void {
  for (const { item, weight } of profile) {
    for (let p = model.ptr[item]!; p < model.ptr[item + 1]!; p++) votes.add(model.col[p]!, weight * model.val[p]!, item);
  }
}
