/**
 * What people engage with next: for each item, the items that followed it within a few steps in
 * users' time-ordered histories (closer steps count more), normalised like cosine so popular items
 * do not follow everything. A feed scores candidates from the user's latest items, the newest
 * counting most: the session-aware source beside the order-free models.
 */
import { topIndices, type Csr, type EngagementMatrix, type Votes } from './matrix.js';

export interface TransitionOptions {
  /** How many later items in a history count as following (step d counts 1/d). */
  window: number;
  neighbours: number;
  /** The user's latest items a feed starts from, and how fast older ones fade (per step back). */
  recent: number;
  fade: number;
}

export const DEFAULT_TRANSITIONS: TransitionOptions = Object.freeze({ window: 3, neighbours: 100, recent: 10, fade: 0.8 });

export function trainTransitions(m: EngagementMatrix, opts: TransitionOptions = DEFAULT_TRANSITIONS): Csr {
  const n = m.items.length;
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const outSum = new Float64Array(n);
  const inSum = new Float64Array(n);
  for (let u = 0; u < m.users.length; u++) {
    const lo = m.byUser.ptr[u]!;
    const hi = m.byUser.ptr[u + 1]!;
    const seq = Array.from({ length: hi - lo }, (_, e) => lo + e).sort((a, b) => m.lastTs[a]! - m.lastTs[b]! || a - b);
    for (let a = 0; a < seq.length; a++) {
      const i = m.byUser.col[seq[a]!]!;
      for (let d = 1; d <= opts.window && a + d < seq.length; d++) {
        const j = m.byUser.col[seq[a + d]!]!;
        const w = 1 / d;
        rows[i]!.set(j, (rows[i]!.get(j) ?? 0) + w);
        outSum[i]! += w;
        inSum[j]! += w;
      }
    }
  }
  const ptr = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    const entries = [...rows[i]!];
    const scores = entries.map(([j, c]) => c / Math.sqrt(outSum[i]! * inSum[j]!));
    for (const b of topIndices(scores, opts.neighbours)) {
      col.push(entries[b.index]![0]);
      val.push(b.score);
    }
    ptr[i + 1] = col.length;
  }
  return { ptr, col: Int32Array.from(col), val: Float32Array.from(val) };
}

/** Adds transition scores from the latest items of a profile (matrix item index, last time), each with the item it follows. */
export function transitionScores(model: Csr, profile: readonly { item: number; ts: number }[], opts: TransitionOptions, votes: Votes): void {
  const latest = [...profile].sort((a, b) => b.ts - a.ts).slice(0, opts.recent);
  latest.forEach(({ item }, r) => {
    const weight = Math.pow(opts.fade, r);
    for (let p = model.ptr[item]!; p < model.ptr[item + 1]!; p++) votes.add(model.col[p]!, weight * model.val[p]!, item);
  });
}
