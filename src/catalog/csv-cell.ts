/**
 * CSV that Loupe writes for people to open in a spreadsheet. A cell starting with = + - @ (or a
 * tab / carriage return) is run as a formula by Excel, LibreOffice and Sheets (CSV injection), so
 * such cells get a leading apostrophe, which spreadsheets show as text; `fromCsvField` strips it
 * again when Loupe reads its own file back.
 */
// An apostrophe run before a formula character is guarded too, so reading back is exact.
const FORMULA_START = /^'*[=+\-@\t\r]/;
const GUARDED = /^''*[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

/** One field, formula-guarded and quoted as RFC 4180 needs. */
export function csvField(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Undoes the guard of `csvField` on a parsed field. */
export function fromCsvField(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}

/** `fromCsvField` over every field of a parsed record. */
export function fromCsvRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typeof v === 'string' ? fromCsvField(v) : v]));
}
