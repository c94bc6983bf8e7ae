/** Levenshtein distance, giving up (cap + 1) once every path is over `cap`: lemma forms are short and only near ones matter. */
export function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    if (Math.min(...cur) > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** One edit apart at most, a swap of two neighbours counting as one (typos in a request's words). */
export function editDistanceAtMostOne(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else if (a[i + 1] === b[j] && a[i] === b[j + 1]) {
      i += 2;
      j += 2;
    } else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/** Shortest word a typo is read for, and shortest typo: "dressy" is no misspelt "dress". */
const MIN_TYPO_LENGTH = 6;

/**
 * The word of `known` a misspelt `word` (or its singular) is one edit from ("sneekers" -> sneakers, "trowsers" ->
 * trousers), when all such words are one word's forms (`sameWord` folds them); undefined otherwise. Pure.
 */
export function misspeltFor(word: string, singularForm: string, known: readonly string[], sameWord: (w: string) => string): string | undefined {
  if (word.length < MIN_TYPO_LENGTH) return undefined;
  const long = known.filter((k) => k.length >= MIN_TYPO_LENGTH);
  // As written first: "trowsers" is "trousers", not the singular "trouser".
  const near = [...long.filter((k) => editDistanceAtMostOne(k, word)), ...long.filter((k) => editDistanceAtMostOne(k, singularForm))];
  return new Set(near.map(sameWord)).size === 1 ? near[0] : undefined;
}
