import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { CsvError, InfoRecord } from 'csv-parse';
import { LoupeError } from '../errors.js';

export type CatalogueFormat = 'csv' | 'tsv' | 'jsonl';

/** One record as read from the file, before mapping and validation. */
export interface RawRow {
  /** 1-based physical line where the record starts. */
  line: number;
  values: Record<string, unknown>;
}

/** A record-level problem; the rest of the catalogue still lands. */
export interface RowError {
  line: number;
  id: string | null;
  reason: string;
}

export interface ParsedCatalogue {
  format: CatalogueFormat;
  /** Header columns (CSV/TSV); null for JSONL, whose keys vary per line. */
  columns: string[] | null;
  rows: RawRow[];
  errors: RowError[];
}

/** The catalogue as a whole is unusable (unreadable, unknown format, no header...). */
export class CatalogueError extends LoupeError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

const EXTENSIONS: Record<string, CatalogueFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function catalogueFormat(file: string): CatalogueFormat {
  const format = EXTENSIONS[path.extname(file).toLowerCase()];
  if (!format) {
    throw new CatalogueError(`unsupported catalogue type '${path.basename(file)}': expected .csv, .tsv, .jsonl or .ndjson`);
  }
  return format;
}

function unreadable(file: string, err: unknown): CatalogueError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CatalogueError(`no such file: ${file}`);
  const why = code === 'EISDIR' ? 'is a directory' : (err as Error).message;
  return new CatalogueError(`cannot read catalogue ${file}: ${why}`);
}

/** Cheap early check (type and readability) so callers can fail before opening the database. */
export async function checkCatalogue(file: string): Promise<CatalogueFormat> {
  const format = catalogueFormat(file);
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await fs.access(file, constants.R_OK);
  } catch (err) {
    throw unreadable(file, err);
  }
  return format;
}

export async function readCatalogue(file: string): Promise<ParsedCatalogue> {
  const format = catalogueFormat(file);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw unreadable(file, err);
  }
  const { text, invalidUtf8 } = decodeCatalogue(bytes);
  const parsed = parseCatalogueText(text, format);
  return invalidUtf8 ? rejectUndecodableRows(parsed) : parsed;
}

/**
 * UTF-8 (with or without a BOM), or UTF-16 when a BOM says so. Bytes that are not valid UTF-8
 * (typically a Latin-1 or Windows-1252 export) become U+FFFD here and their records are refused
 * below, rather than stored garbled.
 */
export function decodeCatalogue(bytes: Buffer): { text: string; invalidUtf8: boolean } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), invalidUtf8: false };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), invalidUtf8: false };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), invalidUtf8: false };
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), invalidUtf8: true };
  }
}

function rejectUndecodableRows(parsed: ParsedCatalogue): ParsedCatalogue {
  const rows: RawRow[] = [];
  const errors = [...parsed.errors];
  for (const row of parsed.rows) {
    if (!JSON.stringify(row.values).includes('\uFFFD')) {
      rows.push(row);
      continue;
    }
    const id = typeof row.values.id === 'string' && !row.values.id.includes('\uFFFD') ? row.values.id.trim() || null : null;
    errors.push({ line: row.line, id, reason: 'record is not valid UTF-8 (Latin-1 or Windows-1252?): save the catalogue as UTF-8, or UTF-16 with a BOM' });
  }
  return { ...parsed, rows, errors: errors.sort((a, b) => a.line - b.line) };
}

export function parseCatalogueText(text: string, format: CatalogueFormat): ParsedCatalogue {
  // A BOM would end up glued to the first column name; CRLF is normalised so line counting is exact.
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  return format === 'jsonl' ? parseJsonl(body) : parseDelimited(body, format);
}

function parseJsonl(text: string): ParsedCatalogue {
  const rows: RawRow[] = [];
  const errors: RowError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const src = (lines[i] ?? '').trim();
    if (!src) continue;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(src);
    } catch (err) {
      errors.push({ line, id: guessJsonId(src), reason: `malformed JSON: ${(err as Error).message}` });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ line, id: null, reason: 'expected a JSON object on this line' });
      continue;
    }
    if (nestingDepth(value) > MAX_JSON_DEPTH) {
      errors.push({ line, id: guessJsonId(src), reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    rows.push({ line, values: value as Record<string, unknown> });
  }
  return { format: 'jsonl', columns: null, rows, errors };
}

/** Deeper values could not even be serialised again (recursive JSON.stringify overflows the stack). */
export const MAX_JSON_DEPTH = 32;

/** Iterative, so a hostile 100k-deep line cannot overflow the stack while being measured. */
function nestingDepth(root: object): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Best effort, so a broken line can still be matched to its item in the error list. */
function guessJsonId(src: string): string | null {
  const m = /"id"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?))/.exec(src);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

interface CsvEvent {
  raw: string;
  /** csv-parse's own line counter, used only if raw text can't be located. */
  lines: number;
  fields?: string[];
  error?: CsvError;
}

function parseDelimited(text: string, format: 'csv' | 'tsv'): ParsedCatalogue {
  const events: CsvEvent[] = [];
  const delimiter = format === 'tsv' ? '\t' : ',';
  // relax_quotes keeps a stray quote inside an unquoted field literal (`5" heel`); records
  // that still fail (wrong field count, unclosed quote) are skipped and reported, not fatal.
  parseCsv(text, {
    delimiter,
    raw: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // With `raw` the parser hands over { record, raw } although the typings say string[].
    on_record: (rec: string[] | { record: string[] }, ctx: InfoRecord) => {
      events.push({ raw: ctx.raw ?? '', lines: ctx.lines, fields: Array.isArray(rec) ? rec : rec.record });
      return null;
    },
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (err) events.push({ raw: raw ?? '', lines: Number(err.lines) || 0, error: err });
      return undefined;
    },
  });

  const lineOf = lineLocator(text);
  const [header, ...records] = events;
  if (!header) throw new CatalogueError('catalogue is empty (no header row)');
  if (!header.fields) throw new CatalogueError(`cannot parse the header row: ${header.error?.message ?? 'unknown error'}`);
  lineOf(header);
  const columns = header.fields.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (c && seen.has(c)) throw new CatalogueError(`duplicate column '${c}' in the header`);
    seen.add(c);
  }
  const idIndex = columns.indexOf('id');

  const rows: RawRow[] = [];
  const errors: RowError[] = [];
  for (const ev of records) {
    const line = lineOf(ev);
    if (ev.fields) {
      const values: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        if (c) values[c] = ev.fields?.[i] ?? '';
      });
      rows.push({ line, values });
      continue;
    }
    const rec = ev.error?.record;
    const id = Array.isArray(rec) ? cell(rec[idIndex]) : guessCsvId(ev.raw, idIndex, delimiter);
    errors.push({ line, id, reason: csvReason(ev, columns.length, line, lineOf.lastLine) });
  }
  return { format, columns, rows, errors };
}

function cell(v: unknown): string | null {
  return typeof v === 'string' ? v.trim() || null : null;
}

/** For records the parser gave up on: the id, if it sits unquoted on the record's first line. */
function guessCsvId(raw: string, idIndex: number, delimiter: string): string | null {
  if (idIndex < 0) return null;
  const firstLine = raw.replace(/^\n+/, '').split('\n')[0] ?? '';
  const fields = firstLine.split(delimiter);
  if (fields.length <= idIndex || fields.slice(0, idIndex + 1).some((f) => f.includes('"'))) return null;
  return cell(fields[idIndex]);
}

function csvReason(ev: CsvEvent, width: number, line: number, lastLine: number): string {
  const err = ev.error;
  switch (err?.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const n = Array.isArray(err.record) ? err.record.length : NaN;
      return `malformed CSV row: ${n} fields, the header has ${width}`;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return `malformed CSV quoting: a quote opened here is never closed, so lines ${line}-${lastLine} could not be read`;
    default:
      return `malformed CSV: ${err?.message ?? 'unparseable record'}`;
  }
}

/**
 * Maps each parser event, in order, to the physical line where its record starts. csv-parse's
 * raw strings tile the input, so a running offset gives exact start lines even for quoted
 * multi-line fields; blank lines it glued onto a record are skipped.
 */
function lineLocator(text: string): ((ev: CsvEvent) => number) & { lastLine: number } {
  let offset = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let i = offset; i < to; i++) if (text.charCodeAt(i) === 10) line++;
    offset = to;
  };
  const lastLine = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  const locate = (ev: CsvEvent): number => {
    if (!ev.raw || !text.startsWith(ev.raw, offset)) return Math.max(1, ev.lines);
    const lead = /^\n*/.exec(ev.raw)?.[0].length ?? 0;
    advance(offset + lead);
    const start = line;
    advance(offset + ev.raw.length - lead);
    return start;
  };
  return Object.assign(locate, { lastLine });
}
