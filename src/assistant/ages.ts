/** Ages in a request ("my 5 year old", "a 6-month-old", "for 3yo"): pure token reading, no I/O. */

const UNITS: Readonly<Record<string, 'year' | 'month' | 'week'>> = Object.freeze({
  year: 'year',
  years: 'year',
  yr: 'year',
  yrs: 'year',
  yo: 'year',
  month: 'month',
  months: 'month',
  mo: 'month',
  mos: 'month',
  week: 'week',
  weeks: 'week',
  wk: 'week',
  wks: 'week',
});

/**
 * Below this many years a shopper buying for someone of that age is buying children's clothes: minors, as a
 * teenager named by a word ("my teen") counts as a child too (added-words.ts).
 */
const CHILD_YEARS = 18;
/** Shop size wording before an age: "age 10", "ages 5-6", "aged 7". */
const AGE_WORDS = new Set(['age', 'ages', 'aged']);
const isWhole = (t: string | undefined): t is string => t !== undefined && /^\d+$/.test(t);

/**
 * The tokens of a child's age starting at `i` (a number, a unit, "old"), or 0 when there is none
 * there or the age is not a child's: "5 year old" -> 3, "18 months" -> 2, "age 10" -> 2, "30 years old" -> 0.
 */
export function childAgeAt(tokens: readonly string[], i: number): number {
  if (AGE_WORDS.has(tokens[i] ?? '') && isWhole(tokens[i + 1])) {
    if (Number(tokens[i + 1]) >= CHILD_YEARS) return 0;
    // "ages 5-6" (the hyphen is not a token), "ages 5 to 6": the range is part of it.
    if (isWhole(tokens[i + 2])) return 3;
    return tokens[i + 2] === 'to' && isWhole(tokens[i + 3]) ? 4 : 2;
  }
  const unit = UNITS[tokens[i + 1] ?? ''];
  if (!isWhole(tokens[i]) || !unit) return 0;
  const n = Number(tokens[i]);
  const years = unit === 'year' ? n : unit === 'month' ? n / 12 : n / 52;
  const old = tokens[i + 2] === 'old' || tokens[i + 2] === 'olds';
  // "lasts 10 years" is no age: years need "old" (or "yo"); "18 months" alone is a baby's size.
  if (years >= CHILD_YEARS || (unit === 'year' && !old && tokens[i + 1] !== 'yo')) return 0;
  return old ? 3 : 2;
}
