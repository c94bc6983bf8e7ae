/**
 * The user-item engagement matrix the collaborative models learn from: events summed per
 * (user, item), stored as compressed rows both ways. Pure: built from events in memory.
 */

/** What a collaborative model needs of one event. */
export interface Engagement {
  user: string;
  item: string;
  weight: number;
  ts: number;
}

export interface EngagementMatrix {
  users: string[];
  items: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** Rows by user: `byUser.ptr[u]..ptr[u+1]` index `byUser.col` (items) and `byUser.val` (summed weights). */
  byUser: Csr;
  /** The same entries by item (columns are users). */
  byItem: Csr;
  /** Latest event time per (user, item) entry, aligned with `byUser.val`. */
  lastTs: Float64Array;
  events: number;
}

export interface Csr {
  ptr: Int32Array;
  col: Int32Array;
  val: Float32Array;
}

/** Sums events per (user, item); later events keep the latest time. */
export function engagementMatrix(events: Iterable<Engagement>): EngagementMatrix {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const users: string[] = [];
  const items: string[] = [];
  const rows: Map<number, { w: number; ts: number }>[] = [];
  let count = 0;
  for (const e of events) {
    if (!(e.weight > 0)) continue;
    let u = userIndex.get(e.user);
    if (u === undefined) {
      userIndex.set(e.user, (u = users.length));
      users.push(e.user);
      rows.push(new Map());
    }
    let i = itemIndex.get(e.item);
    if (i === undefined) {
      itemIndex.set(e.item, (i = items.length));
      items.push(e.item);
    }
    const cell = rows[u]!.get(i);
    if (cell) [cell.w, cell.ts] = [cell.w + e.weight, Math.max(cell.ts, e.ts)];
    else rows[u]!.set(i, { w: e.weight, ts: e.ts });
    count++;
  }
  const nnz = rows.reduce((s, r) => s + r.size, 0);
  const byUser: Csr = { ptr: new Int32Array(users.length + 1), col: new Int32Array(nnz), val: new Float32Array(nnz) };
  const lastTs = new Float64Array(nnz);
  let p = 0;
  rows.forEach((row, u) => {
    const sorted = [...row].sort((a, b) => a[0] - b[0]);
    for (const [i, cell] of sorted) {
      byUser.col[p] = i;
      byUser.val[p] = cell.w;
      lastTs[p++] = cell.ts;
    }
    byUser.ptr[u + 1] = p;
  });
  return { users, items, userIndex, itemIndex, byUser, byItem: transpose(byUser, items.length), lastTs, events: count };
}

/** The transpose of a CSR matrix with `cols` columns. */
export function transpose(m: Csr, cols: number): Csr {
  const rows = m.ptr.length - 1;
  const ptr = new Int32Array(cols + 1);
  for (let p = 0; p < m.col.length; p++) ptr[m.col[p]! + 1]!++;
  for (let c = 0; c < cols; c++) ptr[c + 1]! += ptr[c]!;
  const fill = ptr.slice(0, cols);
  const col = new Int32Array(m.col.length);
  const val = new Float32Array(m.col.length);
  for (let r = 0; r < rows; r++) {
    for (let p = m.ptr[r]!; p < m.ptr[r + 1]!; p++) {
      const at = fill[m.col[p]!]!++;
      col[at] = r;
      val[at] = m.val[p]!;
    }
  }
  return { ptr, col, val };
}

/** How a summed engagement weight enters a model: as 1 (it happened), or damped by log. */
export type Strength = 'binary' | 'log';

export function strength(w: number, kind: Strength): number {
  return kind === 'binary' ? 1 : Math.log1p(w);
}

/** A best-first list of (index, score) from a dense score array, skipping `exclude` and non-finite scores. */
export function topIndices(scores: ArrayLike<number>, k: number, exclude?: (i: number) => boolean): { index: number; score: number }[] {
  // A bounded min-heap keeps this O(n log k).
  const heapI: number[] = [];
  const heapS: number[] = [];
  const swap = (a: number, b: number) => {
    [heapI[a], heapI[b]] = [heapI[b]!, heapI[a]!];
    [heapS[a], heapS[b]] = [heapS[b]!, heapS[a]!];
  };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    // The exclusion test runs only for scores that would enter the heap: on a 100k catalogue that is a few hundred calls, not 100k.
    if (!Number.isFinite(s) || (heapS.length >= k && !(k > 0 && s > heapS[0]!)) || exclude?.(i)) continue;
    if (heapS.length < k) {
      heapI.push(i);
      heapS.push(s);
      let c = heapS.length - 1;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (heapS[parent]! <= heapS[c]!) break;
        swap(c, parent);
        c = parent;
      }
    } else if (k > 0 && s > heapS[0]!) {
      heapI[0] = i;
      heapS[0] = s;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < k && heapS[l]! < heapS[m]!) m = l;
        if (r < k && heapS[r]! < heapS[m]!) m = r;
        if (m === c) break;
        swap(c, m);
        c = m;
      }
    }
  }
  return heapI.map((index, j) => ({ index, score: heapS[j]! })).sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Summed votes per item index, with the strongest voter of each (for explanations). */
export class Votes {
  private readonly score = new Map<number, number>();
  private readonly strongest = new Map<number, { from: number; vote: number }>();

  add(j: number, vote: number, from?: number): void {
    this.score.set(j, (this.score.get(j) ?? 0) + vote);
    if (from === undefined) return;
    const s = this.strongest.get(j);
    if (!s) this.strongest.set(j, { from, vote });
    else if (vote > s.vote) [s.from, s.vote] = [from, vote];
  }

  /** The `k` best positive totals, best first, skipping `exclude`. */
  top(k: number, exclude: (j: number) => boolean): { index: number; score: number; from?: number }[] {
    const ids = [...this.score.keys()].filter((j) => this.score.get(j)! > 0 && !exclude(j));
    const best = topIndices(
      ids.map((j) => this.score.get(j)!),
      k,
    );
    return best.map((b) => {
      const index = ids[b.index]!;
      const from = this.strongest.get(index)?.from;
      return from === undefined ? { index, score: b.score } : { index, score: b.score, from };
    });
  }
}
