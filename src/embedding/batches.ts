/**
 * Who is a positive of whom, and batches that guarantee positives: clusters of K items sharing a label,
 * a group or an interaction, plus mined hard negatives. All indices refer to the trainer's item list.
 */
import type { Rng } from './random.js';
import type { Signal, TrainingData } from './types.js';

export interface SignalWeights {
  readonly labels: number;
  readonly groups: number;
  readonly events: number;
}

/** Labels are the strongest statement of similarity; groups and co-interactions are looser. */
export const DEFAULT_SIGNAL_WEIGHTS: SignalWeights = { labels: 1, groups: 0.5, events: 0.5 };

export class Positives {
  /** Per source ('labels' | 'groups' | 'events'): lists of >= 2 item indices that are mutual positives. */
  readonly clusters: ReadonlyMap<'labels' | 'groups' | 'events', readonly (readonly number[])[]>;
  private readonly labelSets: readonly (ReadonlySet<string> | null)[];
  private readonly groupSets: readonly (ReadonlySet<string> | null)[];
  private readonly neighbours: readonly (ReadonlySet<number> | null)[];

  constructor(
    data: TrainingData,
    signals: readonly Signal[],
    /** Items whose signals may be used (the fit split); others never become positives. */
    usable: ReadonlySet<number>,
    readonly weights: SignalWeights = DEFAULT_SIGNAL_WEIGHTS,
  ) {
    const on = new Set(signals);
    const n = data.items.length;
    const setOf = (k: 'labels' | 'groups') => data.items.map((it, i) => (on.has(k) && usable.has(i) && it[k]?.length ? new Set(it[k]) : null));
    this.labelSets = setOf('labels');
    this.groupSets = setOf('groups');
    const nb: (Set<number> | null)[] = new Array<Set<number> | null>(n).fill(null);
    if (on.has('events') && data.interactions) {
      const index = new Map(data.items.map((it, i) => [it.id, i]));
      for (const [a, b] of data.interactions) {
        const ia = index.get(a);
        const ib = index.get(b);
        if (ia === undefined || ib === undefined || ia === ib || !usable.has(ia) || !usable.has(ib)) continue;
        (nb[ia] ??= new Set()).add(ib);
        (nb[ib] ??= new Set()).add(ia);
      }
    }
    this.neighbours = nb;
    const clusters = new Map<'labels' | 'groups' | 'events', number[][]>();
    for (const [src, sets] of [
      ['labels', this.labelSets],
      ['groups', this.groupSets],
    ] as const) {
      const members = new Map<string, number[]>();
      sets.forEach((s, i) => s?.forEach((k) => members.set(k, [...(members.get(k) ?? []), i])));
      const list = [...members.entries()]
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([, m]) => m)
        .filter((m) => m.length >= 2);
      if (list.length) clusters.set(src, list);
    }
    const ev = nb.flatMap((s, i) => (s ? [[i, ...[...s].sort((a, b) => a - b)]] : []));
    if (ev.length) clusters.set('events', ev);
    this.clusters = clusters;
  }

  /** Positive weight of the pair (0 = negative): the strongest signal they share; labels by Jaccard overlap. */
  weight(i: number, j: number): number {
    if (i === j) return 0;
    let w = 0;
    const la = this.labelSets[i];
    const lb = this.labelSets[j];
    if (la && lb) {
      let inter = 0;
      for (const l of la) if (lb.has(l)) inter++;
      if (inter) w = Math.max(w, (this.weights.labels * inter) / (la.size + lb.size - inter));
    }
    const ga = this.groupSets[i];
    const gb = this.groupSets[j];
    if (ga && gb && w < this.weights.groups) {
      for (const g of ga)
        if (gb.has(g)) {
          w = Math.max(w, this.weights.groups);
          break;
        }
    }
    if (w < this.weights.events && this.neighbours[i]?.has(j)) w = Math.max(w, this.weights.events);
    return w;
  }

  /**
   * Whether c is known to differ from a: not a positive, and when a is labelled, c is labelled too
   * (an unlabelled item may well be the same kind of thing, so it is no hard negative).
   */
  confirmedNegative(a: number, c: number): boolean {
    if (this.labelSets[a] && !this.labelSets[c]) return false;
    return this.weight(a, c) === 0;
  }

  get hasClusters(): boolean {
    return this.clusters.size > 0;
  }
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Items drawn per cluster (K in P x K sampling). */
  readonly perCluster: number;
  /** Share of the batch filled with mined hard negatives. */
  readonly hardFraction: number;
}

/**
 * One batch of distinct item indices: clusters drawn uniformly per source (sources in turn), K items
 * each, then hard negatives: for random anchors already in the batch, the most similar non-positive item
 * in a random pool that is a confirmed negative, judged by `bank` (recent embeddings, row-major [n, dims]).
 */
export function sampleBatch(pos: Positives, pool: readonly number[], opts: BatchOptions, rng: Rng, bank: { readonly data: Float32Array; readonly dims: number } | null): number[] {
  const size = Math.min(opts.batchSize, pool.length);
  const hard = bank ? Math.floor(size * opts.hardFraction) : 0;
  const chosen = new Set<number>();
  const out: number[] = [];
  const add = (i: number) => {
    if (chosen.has(i) || out.length >= size) return;
    chosen.add(i);
    out.push(i);
  };
  const sources = [...pos.clusters.values()];
  let attempts = 0;
  while (out.length < size - hard && sources.length && attempts++ < size * 4) {
    const src = sources[attempts % sources.length]!;
    const cluster = src[rng.int(src.length)]!;
    for (const i of rng.sample(cluster, opts.perCluster)) add(i);
  }
  while (out.length < size - hard) add(pool[rng.int(pool.length)]!);
  if (bank && hard > 0) {
    const { data, dims } = bank;
    const candidates = Math.min(pool.length, 1024);
    for (let tries = 0; out.length < size && tries < hard * 3; tries++) {
      const a = out[rng.int(out.length)]!;
      let best = -1;
      let bestSim = -Infinity;
      const ao = a * dims;
      for (const c of rng.sample(pool, candidates)) {
        if (chosen.has(c)) continue;
        const co = c * dims;
        const s = dot(data, ao, co, dims);
        // The pair check only for a candidate that would win: the same pick for far fewer checks
        // (they were 7.6 s of a clothing-set `loupe train`, `node --cpu-prof`).
        if (s > bestSim && pos.confirmedNegative(a, c)) {
          bestSim = s;
          best = c;
        }
      }
      if (best >= 0) add(best);
    }
    while (out.length < size) add(pool[rng.int(pool.length)]!);
  }
  return out;
}

/**
 * Rows a and c (offsets) of a row-major matrix, four sums at a time (the mining loop's cost). The order of
 * the float64 sums differs from one running sum, which can only matter to a pick on a near-exact tie.
 */
function dot(data: Float32Array, a: number, c: number, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 4 <= dims; d += 4) {
    s0 += data[a + d]! * data[c + d]!;
    s1 += data[a + d + 1]! * data[c + d + 1]!;
    s2 += data[a + d + 2]! * data[c + d + 2]!;
    s3 += data[a + d + 3]! * data[c + d + 3]!;
  }
  for (; d < dims; d++) s0 += data[a + d]! * data[c + d]!;
  return s0 + s1 + s2 + s3;
}

/** Row-major [b, b] positive weights of a batch (zero diagonal). */
export function positiveMatrix(pos: Positives, batch: readonly number[]): Float32Array {
  const b = batch.length;
  const w = new Float32Array(b * b);
  for (let i = 0; i < b; i++)
    for (let j = i + 1; j < b; j++) {
      const v = pos.weight(batch[i]!, batch[j]!);
      w[i * b + j] = v;
      w[j * b + i] = v;
    }
  return w;
}
