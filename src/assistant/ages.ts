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

/** Below this many years a shopper buying for someone of that age is buying children's clothes. */
const CHILD_YEARS = 13;

/**
 * The tokens of a child's age starting at `i` (a number, a unit, "old"), or 0 when there is none
 * there or the age is not a child's: "5 year old" -> 3, "18 months" -> 2, "30 years old" -> 0.
 */
export function childAgeAt(tokens: readonly string[], i: number): number {
  const n = Number(tokens[i]);
  const unit = UNITS[tokens[i + 1] ?? ''];
  if (!/^\d+$/.test(tokens[i] ?? '') || !unit) return 0;
  const years = unit === 'year' ? n : unit === 'month' ? n / 12 : n / 52;
  const old = tokens[i + 2] === 'old';
  // "lasts 10 years" is no age: years need "old" (or "yo"); "18 months" alone is a baby's size.
  if (years >= CHILD_YEARS || (unit === 'year' && !old && tokens[i + 1] !== 'yo')) return 0;
  return old ? 3 : 2;
}
