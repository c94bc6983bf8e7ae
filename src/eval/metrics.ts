/**
 * Pure evaluation metrics for retrieval and tagging.
 *
 * Ranked-list metrics take `hits`: for each returned result in rank order (best first), whether it is
 * relevant (true/1) or not; and `numRelevant`: how many relevant items exist among all candidates
 * (excluding the query itself). Conventions, for a cut-off k:
 *   precision@k     = (#relevant in top k) / k                        (k, not the list length, divides)
 *   recall@k        = (#relevant in top k) / numRelevant              (standard recall; 0 relevant -> NaN)
 *   cappedRecall@k  = (#relevant in top k) / min(k, numRelevant)      (reaches 1.0 for a perfect ranking)
 *   hitRate@k       = 1 if any of the top k is relevant, else 0
 *   AP@k            = sum_{i<=k, hit_i} precision@i / min(k, numRelevant)
 *   NDCG@k          = DCG@k / IDCG@k, DCG = sum_{i<=k} hit_i / log2(i + 1) (ranks from 1), binary gains
 * Queries with no relevant candidate have undefined recall/AP/NDCG and are left out of the means
 * (`evaluateRetrieval` counts them as `skipped`).
 */
import { cosineTopKMany, normalizedCopy, type CandidateSearch } from './knn.js';

export type Hits = ArrayLike<boolean | number>;

function countHits(hits: Hits, k: number): number {
  let n = 0;
  const m = Math.min(k, hits.length);
  for (let i = 0; i < m; i++) if (hits[i]) n++;
  return n;
}

export function precisionAtK(hits: Hits, k: number): number {
  if (k <= 0) throw new RangeError('k must be positive');
  return countHits(hits, k) / k;
}

export function recallAtK(hits: Hits, numRelevant: number, k: number): number {
  if (numRelevant <= 0) return NaN;
  return countHits(hits, k) / numRelevant;
}

export function cappedRecallAtK(hits: Hits, numRelevant: number, k: number): number {
  if (numRelevant <= 0) return NaN;
  return countHits(hits, k) / Math.min(k, numRelevant);
}

export function hitRateAtK(hits: Hits, k: number): number {
  return countHits(hits, k) > 0 ? 1 : 0;
}

export function averagePrecisionAtK(hits: Hits, numRelevant: number, k: number): number {
  if (numRelevant <= 0) return NaN;
  let found = 0;
  let sum = 0;
  const m = Math.min(k, hits.length);
  for (let i = 0; i < m; i++) {
    if (!hits[i]) continue;
    found++;
    sum += found / (i + 1);
  }
  return sum / Math.min(k, numRelevant);
}

/** Mean of AP@k over queries that have at least one relevant item. */
export function meanAveragePrecisionAtK(queries: readonly { hits: Hits; numRelevant: number }[], k: number): number {
  return mean(queries.map((q) => averagePrecisionAtK(q.hits, q.numRelevant, k)));
}

export function ndcgAtK(hits: Hits, numRelevant: number, k: number): number {
  if (numRelevant <= 0) return NaN;
  let dcg = 0;
  const m = Math.min(k, hits.length);
  for (let i = 0; i < m; i++) if (hits[i]) dcg += 1 / Math.log2(i + 2);
  let idcg = 0;
  const ideal = Math.min(k, numRelevant);
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return dcg / idcg;
}

/** Mean of the finite values (NaN when there are none). */
export function mean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    s += v;
    n++;
  }
  return n === 0 ? NaN : s / n;
}

/** Mean and standard error of the per-case difference a - b (paired: the same users or queries in both). */
export function pairedGain(a: ArrayLike<number>, b: ArrayLike<number>): { gain: number; se: number } {
  const n = a.length;
  if (!n) return { gain: 0, se: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! - b[i]!;
  const gain = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i]! - b[i]! - gain) ** 2;
  return { gain, se: n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0 };
}

export interface LabelCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface MultiLabelF1 {
  readonly microPrecision: number;
  readonly microRecall: number;
  readonly microF1: number;
  /** Unweighted mean of per-label F1 over the labels that occur in the truth or the predictions. */
  readonly macroF1: number;
  readonly perLabel: ReadonlyMap<string, LabelCounts>;
}

function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return { precision, recall, f1 };
}

/**
 * Micro and macro F1 for multi-label tagging. `truth[i]` and `predicted[i]` are the label sets of item i.
 * Micro pools tp/fp/fn over all (item, label) pairs; macro averages per-label F1, where a label counts if
 * it appears in the truth or the predictions of any item (a label never true and never predicted has no
 * defined F1 and is left out).
 */
export function multiLabelF1(truth: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): MultiLabelF1 {
  if (truth.length !== predicted.length) throw new RangeError('truth and predicted must have the same length');
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (l: string) => {
    let c = counts.get(l);
    if (!c) counts.set(l, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  for (let i = 0; i < truth.length; i++) {
    const t = new Set(truth[i]);
    const p = new Set(predicted[i]);
    for (const l of p) t.has(l) ? get(l).tp++ : get(l).fp++;
    for (const l of t) if (!p.has(l)) get(l).fn++;
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const perLabel = new Map<string, LabelCounts>();
  for (const [label, c] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    perLabel.set(label, { ...c, ...prf(c.tp, c.fp, c.fn) });
  }
  const micro = prf(tp, fp, fn);
  const macroF1 = perLabel.size === 0 ? 0 : [...perLabel.values()].reduce((s, c) => s + c.f1, 0) / perLabel.size;
  return { microPrecision: micro.precision, microRecall: micro.recall, microF1: micro.f1, macroF1, perLabel };
}

export interface CalibrationBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  readonly meanConfidence: number;
  readonly accuracy: number;
}

/**
 * Expected calibration error of binary probabilities: `bins` equal-width bins over [0, 1] (a probability
 * of exactly 1 goes in the last bin), ECE = sum_b (n_b / N) * |accuracy_b - meanConfidence_b|, where
 * accuracy_b is the fraction of outcomes that are true. For multi-label tagging pass every
 * (item, label) score with whether the label is really on the item.
 */
export function expectedCalibrationError(probs: ArrayLike<number>, outcomes: Hits, bins = 10): { ece: number; bins: CalibrationBin[] } {
  if (probs.length !== outcomes.length) throw new RangeError('probs and outcomes must have the same length');
  const n = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1, Math.max(0, probs[i]!));
    const b = Math.min(bins - 1, Math.floor(p * bins));
    n[b]!++;
    conf[b]! += p;
    if (outcomes[i]) acc[b]!++;
  }
  let ece = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = n[b]!;
    const meanConfidence = c ? conf[b]! / c : 0;
    const accuracy = c ? acc[b]! / c : 0;
    if (probs.length) ece += (c / probs.length) * Math.abs(accuracy - meanConfidence);
    out.push({ lo: b / bins, hi: (b + 1) / bins, count: c, meanConfidence, accuracy });
  }
  return { ece, bins: out };
}

export interface RetrievalInput<Id> {
  /** The searchable set: ids and their vectors (any scale; compared by cosine). */
  readonly candidateIds: readonly Id[];
  readonly candidateVectors: readonly Float32Array[];
  /** Queries, each one of the candidate ids; a query never retrieves itself. */
  readonly queries: readonly Id[];
  readonly relevant: (query: Id, candidate: Id) => boolean;
  readonly k: number;
  /** A fast exact batch search for the neighbours (the same lists; plain JavaScript without one). */
  readonly search?: CandidateSearch;
}

export interface RetrievalReport {
  readonly k: number;
  /** Queries averaged (those with at least one relevant candidate). */
  readonly queries: number;
  /** Queries left out because no other candidate is relevant to them. */
  readonly skipped: number;
  readonly precision: number;
  readonly recall: number;
  readonly cappedRecall: number;
  readonly hitRate: number;
  readonly map: number;
  readonly ndcg: number;
}

/** Mean ranked-list metrics by exact cosine search of each query against all other candidates. */
export function evaluateRetrieval<Id>(input: RetrievalInput<Id>): RetrievalReport {
  const { candidateIds, queries, relevant, k } = input;
  if (candidateIds.length !== input.candidateVectors.length) throw new RangeError('one vector per candidate id');
  const index = new Map<Id, number>();
  candidateIds.forEach((id, i) => index.set(id, i));
  const unit = normalizedCopy(input.candidateVectors);
  const sums = { precision: 0, recall: 0, cappedRecall: 0, hitRate: 0, map: 0, ndcg: 0 };
  const asked: { q: Id; qi: number; numRelevant: number }[] = [];
  for (const q of queries) {
    const qi = index.get(q);
    if (qi === undefined) throw new RangeError(`query ${String(q)} is not among the candidates`);
    let numRelevant = 0;
    for (let j = 0; j < candidateIds.length; j++) if (j !== qi && relevant(q, candidateIds[j]!)) numRelevant++;
    if (numRelevant) asked.push({ q, qi, numRelevant });
  }
  const skipped = queries.length - asked.length;
  const tops = cosineTopKMany(
    asked.map((a) => unit[a.qi]!),
    unit,
    k,
    (i) => asked[i]!.qi,
    input.search,
  );
  let used = 0;
  for (const [i, { q, numRelevant }] of asked.entries()) {
    const hits = tops[i]!.map((r) => relevant(q, candidateIds[r.index]!));
    used++;
    sums.precision += precisionAtK(hits, k);
    sums.recall += recallAtK(hits, numRelevant, k);
    sums.cappedRecall += cappedRecallAtK(hits, numRelevant, k);
    sums.hitRate += hitRateAtK(hits, k);
    sums.map += averagePrecisionAtK(hits, numRelevant, k);
    sums.ndcg += ndcgAtK(hits, numRelevant, k);
  }
  const m = (s: number) => (used ? s / used : NaN);
  return {
    k,
    queries: used,
    skipped,
    precision: m(sums.precision),
    recall: m(sums.recall),
    cappedRecall: m(sums.cappedRecall),
    hitRate: m(sums.hitRate),
    map: m(sums.map),
    ndcg: m(sums.ndcg),
  };
}

/** Relevance by label overlap: two items are relevant to each other when they share at least one label. */
export function sharesLabel<Id>(labels: ReadonlyMap<Id, readonly string[]>): (a: Id, b: Id) => boolean {
  const sets = new Map<Id, Set<string>>();
  for (const [id, ls] of labels) sets.set(id, new Set(ls));
  return (a, b) => {
    const la = sets.get(a);
    const lb = labels.get(b);
    if (!la || !lb) return false;
    for (const l of lb) if (la.has(l)) return true;
    return false;
  };
}
