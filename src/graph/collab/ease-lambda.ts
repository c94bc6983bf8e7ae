/**
 * EASE's ridge strength fitted on the catalogue's own events. λ (in mean diagonals of XᵀX) was
 * chosen on seeded sets; published EASE fits land far apart in those units (Steck 2019: λ = 500
 * on MovieLens-20M, of the order of one mean diagonal there), so a fixed value need not carry to a shop's
 * data. Each user's latest positive engagement is hidden, the `saves` model is trained per
 * candidate λ on the rest, and a candidate replaces the default only when it finds more of the
 * hidden items by more than two standard errors of the paired per-user difference. Pure.
 */
import { pairedGain } from '../../eval/metrics.js';
import { easeScores, trainEase, type EaseOptions } from './ease.js';
import { transpose, type Csr, type EngagementMatrix } from './matrix.js';

/** Candidates tried beside the default, as multiples of it (a quarter, four times). */
const SCALES = [0.25, 4];
/** Below this many validation users the default stays (a fit on a handful is noise). */
const MIN_USERS = 50;
/** Validation users scored at most (spread over the users evenly). */
const MAX_USERS = 1000;
const K = 20;
/**
 * Standard errors of the paired per-user difference a candidate must gain by. Two, not the blend
 * fit's one: on the bundled sample's 100 shoppers λ 2 led 8 by .22 to .19, between one and two
 * standard errors, which is noise at that size; in the unit test's popular-and-niche case it leads by .33.
 */
const MIN_SE = 2;
/**
 * Items the fit's models cover at most: each candidate costs an inverse cubic in them, and the
 * ratio of ridge to signal it picks carries to the full model (three fits over 2,000 items would
 * double the training of 1M events, feed-scale's shape).
 */
const FIT_ITEMS = 1000;

export interface LambdaFit {
  lambda: number;
  /** Validation users and each candidate's Recall@20 of the hidden item, default first; empty when not fitted. */
  users: number;
  tried: { lambda: number; recall: number }[];
}

/** `m` without the entries `drop` picks (same user and item indexing). */
function withoutEntries(m: EngagementMatrix, drop: ReadonlySet<number>): EngagementMatrix {
  const keep = m.byUser.col.length - drop.size;
  const byUser: Csr = { ptr: new Int32Array(m.users.length + 1), col: new Int32Array(keep), val: new Float32Array(keep) };
  const lastTs = new Float64Array(keep);
  let q = 0;
  for (let u = 0; u < m.users.length; u++) {
    for (let p = m.byUser.ptr[u]!; p < m.byUser.ptr[u + 1]!; p++) {
      if (drop.has(p)) continue;
      byUser.col[q] = m.byUser.col[p]!;
      byUser.val[q] = m.byUser.val[p]!;
      lastTs[q++] = m.lastTs[p]!;
    }
    byUser.ptr[u + 1] = q;
  }
  return { ...m, byUser, byItem: transpose(byUser, m.items.length), lastTs };
}

export function fitEaseLambda(m: EngagementMatrix, opts: EaseOptions): LambdaFit {
  const fallback: LambdaFit = { lambda: opts.lambda, users: 0, tried: [] };
  // Each user with two positive entries or more gives up the latest one.
  const hidden = new Map<number, { entry: number; item: number }>();
  for (let u = 0; u < m.users.length; u++) {
    let latest = -1;
    let positives = 0;
    for (let p = m.byUser.ptr[u]!; p < m.byUser.ptr[u + 1]!; p++) {
      if (m.byUser.val[p]! < opts.positiveAt) continue;
      positives++;
      if (latest < 0 || m.lastTs[p]! > m.lastTs[latest]!) latest = p;
    }
    if (positives >= 2) hidden.set(u, { entry: latest, item: m.byUser.col[latest]! });
  }
  if (hidden.size < MIN_USERS) return fallback;
  const rest = withoutEntries(m, new Set([...hidden.values()].map((h) => h.entry)));
  const all = [...hidden.keys()];
  const users = all.length <= MAX_USERS ? all : Array.from({ length: MAX_USERS }, (_, i) => all[Math.floor((i * all.length) / MAX_USERS)]!);
  const hitsFor = (lambda: number): Float64Array => {
    const model = trainEase(rest, { ...opts, lambda, maxItems: Math.min(opts.maxItems, FIT_ITEMS) });
    const hits = new Float64Array(users.length);
    users.forEach((u, i) => {
      const target = model.row.get(hidden.get(u)!.item);
      if (target === undefined) return;
      const engaged = new Set<number>();
      const profile: { item: number; weight: number }[] = [];
      for (let p = rest.byUser.ptr[u]!; p < rest.byUser.ptr[u + 1]!; p++) {
        profile.push({ item: rest.byUser.col[p]!, weight: 1 });
        const r = model.row.get(rest.byUser.col[p]!);
        if (r !== undefined) engaged.add(r);
      }
      const scores = easeScores(model, profile, 'positive');
      let above = 0;
      for (let j = 0; j < scores.length && above < K; j++) if (j !== target && !engaged.has(j) && scores[j]! > scores[target]!) above++;
      hits[i] = above < K ? 1 : 0;
    });
    return hits;
  };
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / Math.max(a.length, 1);
  const base = hitsFor(opts.lambda);
  const tried = [{ lambda: opts.lambda, recall: mean(base) }];
  let best = { lambda: opts.lambda, gain: 0 };
  for (const scale of SCALES) {
    const lambda = opts.lambda * scale;
    const hits = hitsFor(lambda);
    tried.push({ lambda, recall: mean(hits) });
    const { gain, se } = pairedGain(hits, base);
    if (gain > MIN_SE * se && gain > best.gain) best = { lambda, gain };
  }
  return { lambda: best.lambda, users: users.length, tried };
}
