/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with conjugate-gradient updates (Takács et al.
 * 2011): every engagement is a preference of 1 with confidence 1 + α·strength, unobserved pairs a
 * preference of 0 with confidence 1. A few CG steps per row per sweep replace the k³ solve, so a
 * sweep costs O(nnz·k + rows·k²). Users are folded in from their profile at request time, so a new
 * event moves the user's vector at once without retraining.
 */
import { seededRandom } from '../vec.js';
import { strength, type Csr, type EngagementMatrix, type Strength } from './matrix.js';

export interface AlsOptions {
  factors: number;
  iterations: number;
  /** Confidence slope: an engagement counts 1 + alpha * strength against an unobserved pair. */
  alpha: number;
  /** L2 regularisation of each factor vector. */
  lambda: number;
  /** CG steps per row per sweep (training) and for folding a user in (serving). */
  cgSteps: number;
  foldInSteps: number;
  strength: Strength;
  seed: number;
}

export const DEFAULT_ALS: AlsOptions = Object.freeze({ factors: 32, iterations: 8, alpha: 10, lambda: 10, cgSteps: 3, foldInSteps: 8, strength: 'log', seed: 1 });

export interface AlsModel {
  factors: number;
  /** Item factors, row-major by matrix item index. */
  itemFactors: Float32Array;
  /** Gram matrix of the item factors (k x k), for folding users in. */
  itemGram: Float64Array;
  alpha: number;
  lambda: number;
  foldInSteps: number;
  strength: Strength;
}

function gram(f: Float32Array, rows: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const fa = f[o + a]!;
      if (fa === 0) continue;
      for (let b = a; b < k; b++) g[a * k + b]! += fa * f[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) g[a * k + b] = g[b * k + a]!;
  return g;
}

/**
 * Solves (G + Σ (c_i - 1) y_i y_iᵀ + λI) x = Σ c_i y_i by `steps` CG steps from `x` (updated in place).
 * `cols`/`conf` list the row's entries and confidences; `other` holds the fixed side's factors.
 */
function cgSolve(x: Float32Array, g: Float64Array, other: Float32Array, cols: ArrayLike<number>, conf: ArrayLike<number>, k: number, lambda: number, steps: number, scratch: Float64Array[]): void {
  const [r, p, ap] = scratch as [Float64Array, Float64Array, Float64Array];
  const apply = (v: ArrayLike<number>, out: Float64Array) => {
    for (let a = 0; a < k; a++) {
      let s = lambda * v[a]!;
      const ga = a * k;
      for (let b = 0; b < k; b++) s += g[ga + b]! * v[b]!;
      out[a] = s;
    }
    for (let e = 0; e < cols.length; e++) {
      const o = cols[e]! * k;
      let d = 0;
      for (let a = 0; a < k; a++) d += other[o + a]! * v[a]!;
      const f = (conf[e]! - 1) * d;
      for (let a = 0; a < k; a++) out[a]! += f * other[o + a]!;
    }
  };
  // r = b - A x
  apply(x, ap);
  for (let a = 0; a < k; a++) r[a] = -ap[a]!;
  for (let e = 0; e < cols.length; e++) {
    const o = cols[e]! * k;
    const c = conf[e]!;
    for (let a = 0; a < k; a++) r[a]! += c * other[o + a]!;
  }
  p.set(r);
  let rs = 0;
  for (let a = 0; a < k; a++) rs += r[a]! * r[a]!;
  for (let s = 0; s < steps && rs > 1e-12; s++) {
    apply(p, ap);
    let pap = 0;
    for (let a = 0; a < k; a++) pap += p[a]! * ap[a]!;
    if (!(pap > 0)) break;
    const alpha = rs / pap;
    let next = 0;
    for (let a = 0; a < k; a++) {
      x[a]! += alpha * p[a]!;
      r[a]! -= alpha * ap[a]!;
      next += r[a]! * r[a]!;
    }
    const beta = next / rs;
    for (let a = 0; a < k; a++) p[a] = r[a]! + beta * p[a]!;
    rs = next;
  }
}

function sweep(rowsCsr: Csr, solved: Float32Array, fixed: Float32Array, fixedRows: number, o: AlsOptions, scratch: Float64Array[]): void {
  const k = o.factors;
  const g = gram(fixed, fixedRows, k);
  const rows = rowsCsr.ptr.length - 1;
  const x = new Float32Array(k);
  for (let r = 0; r < rows; r++) {
    const lo = rowsCsr.ptr[r]!;
    const hi = rowsCsr.ptr[r + 1]!;
    if (hi === lo) continue;
    const cols = rowsCsr.col.subarray(lo, hi);
    const conf = new Float32Array(hi - lo);
    for (let e = lo; e < hi; e++) conf[e - lo] = 1 + o.alpha * strength(rowsCsr.val[e]!, o.strength);
    x.set(solved.subarray(r * k, r * k + k));
    cgSolve(x, g, fixed, cols, conf, k, o.lambda, o.cgSteps, scratch);
    solved.set(x, r * k);
  }
}

export function trainAls(m: EngagementMatrix, opts: AlsOptions = DEFAULT_ALS): AlsModel {
  const k = opts.factors;
  const rand = seededRandom(opts.seed);
  const init = (rows: number) => Float32Array.from({ length: rows * k }, () => (rand() - 0.5) * 0.02);
  const users = init(m.users.length);
  const items = init(m.items.length);
  const scratch = [new Float64Array(k), new Float64Array(k), new Float64Array(k)];
  for (let it = 0; it < opts.iterations; it++) {
    sweep(m.byUser, users, items, m.items.length, opts, scratch);
    sweep(m.byItem, items, users, m.users.length, opts, scratch);
  }
  return { factors: k, itemFactors: items, itemGram: gram(items, m.items.length, k), alpha: opts.alpha, lambda: opts.lambda, foldInSteps: opts.foldInSteps, strength: opts.strength };
}

/** A user's factor vector from their profile (matrix item index, summed weight): the fold-in. */
export function foldInUser(model: AlsModel, profile: readonly { item: number; weight: number }[]): Float32Array {
  const k = model.factors;
  const x = new Float32Array(k);
  const cols = profile.map((p) => p.item);
  const conf = profile.map((p) => 1 + model.alpha * strength(p.weight, model.strength));
  cgSolve(x, model.itemGram, model.itemFactors, cols, conf, k, model.lambda, model.foldInSteps, [new Float64Array(k), new Float64Array(k), new Float64Array(k)]);
  return x;
}

/** Writes every item's score y_j · x into `out` (indexed by matrix item). */
export function alsScores(model: AlsModel, user: Float32Array, out: Float32Array): void {
  const k = model.factors;
  const f = model.itemFactors;
  const n = f.length / k;
  for (let j = 0; j < n; j++) {
    let s = 0;
    const o = j * k;
    for (let a = 0; a < k; a++) s += f[o + a]! * user[a]!;
    out[j] = s;
  }
}
