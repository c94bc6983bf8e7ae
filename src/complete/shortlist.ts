/** The candidate short list behind `tuneStep`'s fast pass (see score.ts). Pure. */

/**
 * The best `size` candidates by `a` among those sharing the query's label and among the rest (ties
 * at the cut all kept), with everything seen together with the query, in index order; and the best
 * `a` of each kind left out (-Infinity when none is). Undefined when some `a` is not a number.
 */
export function shortlistOf(p: { same: Float32Array; together: Float32Array; query: number }, a: Float32Array, m: number, size: number): { indices: number[]; out0: number; out1: number } | undefined {
  const kindOf = (j: number) => (p.same.length && p.same[j] ? 1 : 0);
  const cut = [0, 1].map((kind) => {
    const vals: number[] = [];
    for (let j = 0; j < m; j++) if (j !== p.query && p.together[j] === 0 && kindOf(j) === kind) vals.push(a[j]!);
    return vals.length > size ? kthLargest(vals, size) : -Infinity;
  }) as [number, number];
  const indices: number[] = [];
  const out = [-Infinity, -Infinity];
  for (let j = 0; j < m; j++) {
    const kind = kindOf(j);
    if (Number.isNaN(a[j]!)) return undefined;
    if (j === p.query || p.together[j] !== 0 || a[j]! >= cut[kind]!) indices.push(j);
    else if (a[j]! > out[kind]!) out[kind] = a[j]!;
  }
  return { indices, out0: out[0]!, out1: out[1]! };
}

/** The k-th largest of `vals` (1-based; reorders them): quickselect, O(n) on average. */
function kthLargest(vals: number[], k: number): number {
  let lo = 0;
  let hi = vals.length - 1;
  const want = k - 1;
  while (lo < hi) {
    const pivot = vals[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (vals[i]! > pivot) i++;
      while (vals[j]! < pivot) j--;
      if (i <= j) {
        [vals[i], vals[j]] = [vals[j]!, vals[i]!];
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return vals[want]!;
  }
  return vals[want]!;
}
