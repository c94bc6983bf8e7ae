/**
 * Item-based collaborative filtering: each item's nearest items by cosine over the users who
 * engaged with both ("people who engaged with this also engaged with"), top `neighbours` kept.
 * A feed scores candidates by summing neighbour similarity times the user's (recency-weighted)
 * engagement with each of their items.
 */
import { strength, topIndices, type Csr, type EngagementMatrix, type Strength } from './matrix.js';

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
  // Each user's kept items and strengths (latest first when capped).
  const keptPtr = new Int32Array(m.users.length + 1);
  const keptCol: number[] = [];
  const keptVal: number[] = [];
  for (let u = 0; u < m.users.length; u++) {
    const lo = m.byUser.ptr[u]!;
    const hi = m.byUser.ptr[u + 1]!;
    let order = Array.from({ length: hi - lo }, (_, e) => lo + e);
    if (order.length > opts.maxUserItems) order = order.sort((a, b) => m.lastTs[b]! - m.lastTs[a]!).slice(0, opts.maxUserItems);
    for (const p of order) {
      keptCol.push(m.byUser.col[p]!);
      keptVal.push(strength(m.byUser.val[p]!, opts.strength));
    }
    keptPtr[u + 1] = keptCol.length;
  }
  const norms = new Float64Array(nItems);
  for (let e = 0; e < keptCol.length; e++) norms[keptCol[e]!]! += keptVal[e]! * keptVal[e]!;
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
      let xi = 0;
      for (let e = keptPtr[u]!; e < keptPtr[u + 1]!; e++) if (keptCol[e] === i) xi = keptVal[e]!;
      if (xi === 0) continue;
      for (let e = keptPtr[u]!; e < keptPtr[u + 1]!; e++) {
        const j = keptCol[e]!;
        if (j === i) continue;
        if (shared[j] === 0) touched.push(j);
        acc[j]! += xi * keptVal[e]!;
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

/** Adds neighbour votes for a profile (matrix item index, weight) into `out`; `from` keeps each candidate's strongest voter. */
export function cooccurScores(model: CooccurModel, profile: readonly { item: number; weight: number }[], out: Float32Array, from?: Int32Array, best?: Float32Array): void {
  for (const { item, weight } of profile) {
    for (let p = model.ptr[item]!; p < model.ptr[item + 1]!; p++) {
      const j = model.col[p]!;
      const vote = weight * model.val[p]!;
      out[j]! += vote;
      if (from && best && vote > best[j]!) [from[j], best[j]] = [item, vote];
    }
  }
}
