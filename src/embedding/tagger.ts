/**
 * Auto-tagging from an embedding: kNN label votes (see KnnTagger) turned into calibrated probabilities,
 * so a 0.8 is right about 80% of the time. The calibrator must be fit on items whose labels the
 * embedding never trained on (e.g. the trainer's validation items), or it learns the training fit's
 * overconfidence.
 *
 * Calibration works on (item, label) pairs the tagger proposes (raw score > 0); every label that no
 * neighbour carries gets one shared probability: the observed rate of such labels being true.
 */
import { KnnTagger, labelsAtLeast, type CandidateSearch } from '../eval/knn.js';
import { expectedCalibrationError, multiLabelF1 } from '../eval/metrics.js';

export type CalibrationMethod = 'platt' | 'isotonic';

export type CalibratorJson =
  | { readonly method: 'platt'; readonly a: number; readonly b: number; readonly zero: number }
  | { readonly method: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[]; readonly zero: number };

const EPS = 1e-4;
const logit = (s: number) => {
  const p = Math.min(1 - EPS, Math.max(EPS, s));
  return Math.log(p / (1 - p));
};
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/**
 * Platt scaling on logit(score): p = sigmoid(a * logit(s) + b), with Platt's smoothed targets, fit by
 * Newton's method with backtracking (Lin, Lin & Weng 2007): plain Newton diverges when most scores sit
 * where the sigmoid is flat.
 */
export function fitPlatt(scores: readonly number[], outcomes: readonly boolean[]): { a: number; b: number } {
  const pos = outcomes.filter(Boolean).length;
  const neg = outcomes.length - pos;
  const t = outcomes.map((o) => (o ? (pos + 1) / (pos + 2) : 1 / (neg + 2)));
  const x = scores.map(logit);
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < x.length; i++) {
      const f = a * x[i]! + b;
      // Stable form of -(t log p + (1 - t) log(1 - p)) with p = sigmoid(f).
      l += f >= 0 ? (1 - t[i]!) * f + Math.log1p(Math.exp(-f)) : -t[i]! * f + Math.log1p(Math.exp(f));
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let [ga, gb, haa, hab, hbb] = [0, 0, 1e-12, 0, 1e-12];
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(a * x[i]! + b);
      const d = p - t[i]!;
      const w = p * (1 - p);
      ga += d * x[i]!;
      gb += d;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    if (Math.abs(ga) < 1e-7 && Math.abs(gb) < 1e-7) break;
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current + 1e-12 && step > 1e-10) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current + 1e-12) break;
    a -= step * da;
    b -= step * db;
    const gain = current - next;
    current = next;
    if (gain < 1e-10 * Math.max(1, Math.abs(current))) break;
  }
  return { a, b };
}

/** Isotonic regression by pool-adjacent-violators: knots (x = block mean score, y = block accuracy). */
export function fitIsotonic(scores: readonly number[], outcomes: readonly boolean[]): { x: number[]; y: number[] } {
  const order = scores.map((s, i) => [s, outcomes[i] ? 1 : 0] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const blocks: { sx: number; sy: number; n: number }[] = [];
  for (const [s, o] of order) {
    blocks.push({ sx: s, sy: o, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.sy / prev.n < last.sy / last.n) break;
      prev.sx += last.sx;
      prev.sy += last.sy;
      prev.n += last.n;
      blocks.pop();
    }
  }
  return { x: blocks.map((b) => b.sx / b.n), y: blocks.map((b) => b.sy / b.n) };
}

export class Calibrator {
  constructor(readonly json: CalibratorJson) {}

  static fit(scores: readonly number[], outcomes: readonly boolean[], method: CalibrationMethod = 'platt'): Calibrator {
    const zeroIdx = scores.map((s, i) => i).filter((i) => scores[i]! <= 0);
    const zero = zeroIdx.length ? zeroIdx.filter((i) => outcomes[i]).length / zeroIdx.length : 0;
    const ps = scores.filter((s) => s > 0);
    const po = outcomes.filter((_, i) => scores[i]! > 0);
    if (method === 'isotonic') return new Calibrator({ method, ...fitIsotonic(ps, po), zero });
    return new Calibrator({ method, ...fitPlatt(ps, po), zero });
  }

  apply(score: number): number {
    const c = this.json;
    if (score <= 0) return c.zero;
    if (c.method === 'platt') return sigmoid(c.a * logit(score) + c.b);
    const { x, y } = c;
    if (x.length === 0) return score;
    if (score <= x[0]!) return y[0]!;
    if (score >= x[x.length - 1]!) return y[y.length - 1]!;
    let lo = 0;
    let hi = x.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x[mid]! <= score) lo = mid;
      else hi = mid;
    }
    const t = (score - x[lo]!) / (x[hi]! - x[lo]! || 1);
    return y[lo]! + t * (y[hi]! - y[lo]!);
  }
}

export interface LabelledVectors {
  readonly vectors: readonly Float32Array[];
  readonly labels: readonly (readonly string[])[];
}

export interface TaggerOptions {
  readonly k?: number;
  readonly method?: CalibrationMethod;
  /** A fast exact batch search for fitting and evaluating (plain JavaScript without one). */
  readonly search?: CandidateSearch;
}

export interface TagPrediction {
  readonly label: string;
  readonly probability: number;
}

export interface TaggingReport {
  /** Calibration pairs: (item, label) with a positive raw score. */
  readonly pairs: number;
  readonly eceRaw: number;
  readonly eceCalibrated: number;
  /** Micro/macro F1 of labels with probability >= 0.5 (calibrated) or raw score >= 0.5. */
  readonly microF1Raw: number;
  readonly microF1Calibrated: number;
  readonly macroF1Calibrated: number;
}

/** (raw score, is-true) for every proposed (item, label) pair of `set`, scored against the reference. */
function proposedPairs(knn: KnnTagger, set: LabelledVectors): { scores: number[]; outcomes: boolean[] } {
  const scores: number[] = [];
  const outcomes: boolean[] = [];
  knn.scoresMany(set.vectors).forEach((s, i) => {
    const truth = new Set(set.labels[i]);
    for (const [label, score] of s) {
      scores.push(score);
      outcomes.push(truth.has(label));
    }
    // True labels no neighbour proposed: raw score 0.
    for (const l of truth)
      if (!s.has(l)) {
        scores.push(0);
        outcomes.push(true);
      }
  });
  return { scores, outcomes };
}

export class CalibratedTagger {
  private constructor(
    private readonly knn: KnnTagger,
    readonly calibrator: Calibrator,
  ) {}

  /** kNN over `reference` (labelled items in the embedding), calibrated on `calibration` (items the embedding never trained on). */
  static fit(reference: LabelledVectors, calibration: LabelledVectors, options: TaggerOptions = {}): CalibratedTagger {
    const knn = new KnnTagger(reference.vectors, reference.labels, { k: options.k ?? 10, ...(options.search ? { search: options.search } : {}) });
    const { scores, outcomes } = proposedPairs(knn, calibration);
    return new CalibratedTagger(knn, Calibrator.fit(scores, outcomes, options.method ?? 'platt'));
  }

  /** Uncalibrated vote shares per label. */
  rawScores(vector: Float32Array): Map<string, number> {
    return this.knn.scores(vector);
  }

  /** Calibrated probabilities of the proposed labels, highest first, at or above `minProbability`. */
  predict(vector: Float32Array, minProbability = 0.5): TagPrediction[] {
    return this.calibrated(this.knn.scores(vector), minProbability);
  }

  private calibrated(scores: ReadonlyMap<string, number>, minProbability: number): TagPrediction[] {
    return [...scores]
      .map(([label, s]) => ({ label, probability: this.calibrator.apply(s) }))
      .filter((p) => p.probability >= minProbability)
      .sort((a, b) => b.probability - a.probability || (a.label < b.label ? -1 : 1));
  }

  /** Calibration and tagging quality on held-out labelled items (not the calibration set). */
  evaluate(heldOut: LabelledVectors, bins = 10): TaggingReport {
    const { scores, outcomes } = proposedPairs(this.knn, heldOut);
    const calibrated = scores.map((s) => this.calibrator.apply(s));
    const raw = this.knn.scoresMany(heldOut.vectors);
    const rawPred = raw.map((s) => labelsAtLeast(s, 0.5));
    const calPred = raw.map((s) => this.calibrated(s, 0.5).map((p) => p.label));
    const cal = multiLabelF1(heldOut.labels, calPred);
    return {
      pairs: scores.length,
      eceRaw: expectedCalibrationError(scores, outcomes, bins).ece,
      eceCalibrated: expectedCalibrationError(calibrated, outcomes, bins).ece,
      microF1Raw: multiLabelF1(heldOut.labels, rawPred).microF1,
      microF1Calibrated: cal.microF1,
      macroF1Calibrated: cal.macroF1,
    };
  }
}
