/**
 * Ranks candidates for one request: the mean cosine to the query vectors, a tilt toward the user's
 * closest interest, and a boost for labels the words probably mean. Candidates are scored in a
 * tight loop without allocating, the soft labels' items first: when k of them already beat anything
 * an item outside them could score, the rest are skipped. Only the top k get their score parts
 * worked out for the reasons. Pure.
 */
import { cosine } from '../graph/vec.js';
import type { CandidateRow } from '../store/item-filters.js';
import type { ScoreParts } from './explain.js';

/** How much a user's closest interest tilts the ranking (query similarity dominates). */
const INTEREST_WEIGHT = 0.15;
/** Items of a label a word only probably means come first (cosines stay within [-1, 1]), without excluding the rest. */
const SOFT_BOOST = 1;
/** Slack on the largest score a row outside the soft labels can reach (unit vectors are rounded to float32). */
const ROUNDING = 1e-3;

export interface QueryVectors {
  text?: Float32Array;
  image?: Float32Array;
  like?: Float32Array;
}

export interface Interest {
  vec: ArrayLike<number>;
  exemplar: { item: string };
}

export interface Ranked {
  row: CandidateRow;
  parts: ScoreParts;
  score: number;
}

const KEYS = ['text', 'image', 'like'] as const;

/** Monomorphic over Float32Array: the generic ArrayLike dot was most of a request's time. */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The k best rows, best first (ties by id). `unit` gives an item's unit-length vector; query vectors are unit length. */
export function rankTop(
  rows: readonly CandidateRow[],
  unit: (id: string) => Float32Array | undefined,
  vectors: QueryVectors,
  interests: readonly Interest[],
  soft: readonly string[],
  k: number,
): Ranked[] {
  const keys = KEYS.filter((key) => vectors[key] !== undefined);
  const anyQuery = keys.length > 0;
  const softSet = new Set(soft);
  const closest = (vec: Float32Array) => {
    let best = -Infinity;
    let exemplar = '';
    for (const it of interests) {
      const s = cosine(vec, it.vec);
      if (s > best) [best, exemplar] = [s, it.exemplar.item];
    }
    return { best, exemplar };
  };
  const scoreOf = (row: CandidateRow): number => {
    const vec = unit(row.id);
    let score = 0;
    if (vec) {
      if (anyQuery) {
        let sum = 0;
        for (const key of keys) sum += dot(vec, vectors[key]!);
        score = sum / keys.length;
      }
      if (interests.length) score += INTEREST_WEIGHT * closest(vec).best;
    } else if (anyQuery) score = -1;
    if (softSet.size && row.labels.some((l) => softSet.has(l))) score += SOFT_BOOST;
    return score;
  };
  const before = (a: { row: CandidateRow; score: number }, b: { row: CandidateRow; score: number }) => a.score > b.score || (a.score === b.score && a.row.id < b.row.id);
  // Insertion into a sorted list of at most k: most rows fall below the k-th and cost one comparison.
  // The list's order is total (score, then id), so the top k do not depend on the order rows are offered in.
  const top: { row: CandidateRow; score: number }[] = [];
  const offer = (row: CandidateRow) => {
    const score = scoreOf(row);
    const last = top[k - 1];
    if (last && (score < last.score || (score === last.score && row.id > last.row.id))) return;
    const cand = { row, score };
    let at = top.length;
    while (at > 0 && before(cand, top[at - 1]!)) at--;
    top.splice(at, 0, cand);
    if (top.length > k) top.pop();
  };
  // Items of the soft labels first: a row outside them scores at most `bound` (a cosine of unit vectors is at
  // most 1), so once the k-th best soft row beats that, the rest cannot enter and are not scored.
  const outside: CandidateRow[] = [];
  for (const row of rows) {
    if (softSet.size && !row.labels.some((l) => softSet.has(l))) outside.push(row);
    else offer(row);
  }
  const bound = (anyQuery ? 1 : 0) + (interests.length ? INTEREST_WEIGHT : 0) + ROUNDING;
  const kth = top[k - 1];
  if (!kth || kth.score <= bound) for (const row of outside) offer(row);
  return top.map(({ row, score }) => {
    const parts: ScoreParts = {};
    const vec = unit(row.id);
    if (vec) {
      for (const key of keys) parts[key] = dot(vec, vectors[key]!);
      if (interests.length) {
        const { best, exemplar } = closest(vec);
        if (best >= 0.5) parts.interest = { score: best, exemplar };
      }
    }
    return { row, parts, score };
  });
}
