/** Combining ranked lists and spreading a feed across interests or labels. */

/** Reciprocal-rank fusion constant (Cormack et al.): large enough that no single list dominates. */
export const RRF_K = 60;

/**
 * Reciprocal-rank fusion: score(id) = sum over lists of weight / (RRF_K + rank), ranks from 1.
 * Rank-based, so lists whose scores live on different scales (cosines, visit counts) combine fairly.
 */
export function fuseRanks(lists: readonly { ids: readonly string[]; weight?: number }[], k = RRF_K): Map<string, number> {
  const out = new Map<string, number>();
  for (const list of lists) {
    const w = list.weight ?? 1;
    list.ids.forEach((id, r) => out.set(id, (out.get(id) ?? 0) + w / (k + r + 1)));
  }
  return out;
}

/**
 * Smooth weighted round-robin over buckets (each already best-first): bucket i fills about
 * weight_i / sum(weights) of the first n slots, interleaved rather than in blocks. An id already
 * taken from another bucket is skipped; an exhausted bucket leaves its turns to the others.
 */
export function weightedRoundRobin<T>(buckets: readonly { weight: number; items: readonly T[] }[], n: number, idOf: (t: T) => string): T[] {
  const live = buckets.map((b) => ({ weight: Math.max(b.weight, 1e-9), items: b.items, next: 0, current: 0 }));
  const out: T[] = [];
  const seen = new Set<string>();
  for (;;) {
    if (out.length >= n) break;
    const open = live.filter((b) => b.next < b.items.length);
    if (!open.length) break;
    const total = open.reduce((s, b) => s + b.weight, 0);
    for (const b of open) b.current += b.weight;
    const best = open.reduce((a, b) => (b.current > a.current ? b : a));
    best.current -= total;
    while (best.next < best.items.length) {
      const item = best.items[best.next++]!;
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(item);
      break;
    }
  }
  return out;
}

/** Equal-turn round-robin across the groups `keyOf` puts a best-first list into (labels, clusters). */
export function diversifyByKey<T>(ranked: readonly T[], keyOf: (t: T) => string, n: number, idOf: (t: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const t of ranked) {
    const key = keyOf(t);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(t);
  }
  return weightedRoundRobin(
    [...groups.values()].map((items) => ({ weight: 1, items })),
    n,
    idOf,
  );
}

/**
 * Cluster keys for items without labels: greedy k-centre (farthest-point) seeds among the first
 * items, every item keyed by its nearest seed. Deterministic for a given order.
 */
export function kCentreKeys(ids: readonly string[], vectorOf: (id: string) => ArrayLike<number> | undefined, centres: number): Map<string, string> {
  const vecs = ids.map((id) => vectorOf(id));
  const withVec = ids.map((_, i) => i).filter((i) => vecs[i]);
  const out = new Map<string, string>();
  if (!withVec.length) return out;
  const sim = (a: number, b: number) => {
    const x = vecs[a]!;
    const y = vecs[b]!;
    let s = 0;
    let nx = 0;
    let ny = 0;
    for (let d = 0; d < x.length; d++) {
      s += x[d]! * y[d]!;
      nx += x[d]! * x[d]!;
      ny += y[d]! * y[d]!;
    }
    return nx > 0 && ny > 0 ? s / Math.sqrt(nx * ny) : 0;
  };
  const seeds = [withVec[0]!];
  const closest = new Map(withVec.map((i) => [i, sim(i, seeds[0]!)]));
  while (seeds.length < Math.min(centres, withVec.length)) {
    let far = -1;
    for (const [i, s] of closest) if (far < 0 || s < closest.get(far)!) far = i;
    seeds.push(far);
    for (const i of withVec) closest.set(i, Math.max(closest.get(i)!, sim(i, far)));
  }
  for (const i of withVec) {
    let best = 0;
    let bestSim = -Infinity;
    seeds.forEach((s, c) => {
      const v = sim(i, s);
      if (v > bestSim) [best, bestSim] = [c, v];
    });
    out.set(ids[i]!, `cluster ${best + 1}`);
  }
  return out;
}
