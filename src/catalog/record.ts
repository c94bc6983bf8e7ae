import { z } from 'zod';
import { CORE_FIELDS, consumedColumns, mapRow, type ColumnMap } from './map.js';
import type { JsonValue } from '../store/items.js';
import type { CatalogueFormat, RawRow, RowError } from './parse.js';

export type { JsonValue };

/** A validated catalogue record, ready to store once its image checks out. */
export interface CatalogueRecord {
  line: number;
  id: string;
  /** Path as written in the catalogue, relative to the catalogue's folder. */
  image: string;
  title: string | null;
  description: string | null;
  labels: string[];
  groups: string[];
  attrs: Record<string, JsonValue>;
}

const requiredText = (field: string) =>
  z
    .union([z.string(), z.number()], {
      error: (iss) => (iss.input === undefined || iss.input === null ? `missing ${field}` : `${field} must be a string`),
    })
    .transform((v) => String(v).trim())
    .refine((s) => s.length > 0, `missing ${field}`);

const optionalText = (field: string) =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.undefined()], { error: `${field} must be text` }).transform((v) => (v === null || v === undefined ? null : String(v).trim() || null));

function cleanList(items: readonly (string | number)[]): string[] {
  return [...new Set(items.map((s) => String(s).trim()).filter(Boolean))];
}

const listItems = z.array(z.union([z.string(), z.number()]));

/** A JSON array, or (in a string) either JSON array text or `a|b|c`. */
const listField = (field: string) =>
  z.unknown().transform((v, ctx): string[] => {
    if (v === undefined || v === null) return [];
    if (typeof v === 'number') return [String(v)];
    if (Array.isArray(v)) {
      const ok = listItems.safeParse(v);
      if (ok.success) return cleanList(ok.data);
      ctx.addIssue({ code: 'custom', message: `${field} must be an array of strings` });
      return z.NEVER;
    }
    if (typeof v !== 'string') {
      ctx.addIssue({ code: 'custom', message: `${field} must be a JSON array or a |-separated string` });
      return z.NEVER;
    }
    const s = v.trim();
    if (!s.startsWith('[')) return cleanList(s.split('|'));
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${field} is not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
    const ok = listItems.safeParse(parsed);
    if (ok.success) return cleanList(ok.data);
    ctx.addIssue({ code: 'custom', message: `${field} must be a JSON array of strings` });
    return z.NEVER;
  });

const RecordSchema = z.object({
  id: requiredText('id').pipe(z.string().max(512, 'id is longer than 512 characters')),
  image: requiredText('image'),
  title: optionalText('title'),
  description: optionalText('description'),
  labels: listField('labels'),
  groups: listField('groups'),
});

/** A catalogue row is metadata, not a document store: anything larger is almost surely a broken export. */
export const MAX_RECORD_CHARS = 1_000_000;

const CORE = new Set<string>(CORE_FIELDS);
const NUMERIC = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** CSV cells are text; ones that read as a plain number (no leading zeros, no precision loss) become numbers. */
function csvCell(s: string): JsonValue {
  const t = s.trim();
  if (!NUMERIC.test(t)) return s;
  const n = Number(t);
  if (!Number.isFinite(n)) return s;
  if (/^-?\d+$/.test(t) && !Number.isSafeInteger(n)) return s;
  return n;
}

function attrValue(v: unknown, format: CatalogueFormat): JsonValue | undefined {
  if (v === undefined) return undefined;
  if (format === 'jsonl') return v as JsonValue;
  if (typeof v !== 'string') return v as JsonValue;
  return v.trim() === '' ? undefined : csvCell(v);
}

/** Builds the per-row converter for one catalogue: map, then validate with zod. */
export type RecordResult = { record: CatalogueRecord } | { error: RowError };

export function recordReader(map: ColumnMap, format: CatalogueFormat): (row: RawRow) => RecordResult {
  const consumed = consumedColumns(map);
  const extraFields = [...map.keys()].filter((k) => !CORE.has(k));

  return (row: RawRow): RecordResult => {
    const { fields, notes } = mapRow(map, row.values);
    const parsed = RecordSchema.safeParse(fields);
    if (!parsed.success) {
      const idGuess = fields.id;
      const id = (typeof idGuess === 'string' || typeof idGuess === 'number') && String(idGuess).trim() ? String(idGuess).trim() : null;
      const reason = parsed.error.issues
        .map((iss) => {
          const field = String(iss.path[0] ?? '');
          return notes[field] && iss.message.startsWith('missing') ? `${iss.message} (${notes[field]})` : iss.message;
        })
        .join('; ');
      return { error: { line: row.line, id, reason } };
    }
    const attrs: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(row.values)) {
      if (consumed.has(key)) continue;
      const out = attrValue(value, format);
      if (out !== undefined) attrs[key] = out;
    }
    for (const key of extraFields) {
      const out = attrValue(fields[key], format);
      if (out !== undefined) attrs[key] = out;
    }
    const record: CatalogueRecord = { line: row.line, ...parsed.data, attrs };
    const json = JSON.stringify(record);
    // PostgreSQL text and jsonb cannot hold NUL; refuse the record rather than fail its whole batch.
    if (json.includes('\\u0000')) {
      return { error: { line: row.line, id: record.id, reason: 'record contains a NUL character, which cannot be stored' } };
    }
    if (json.length > MAX_RECORD_CHARS) {
      return { error: { line: row.line, id: record.id, reason: `record is ${(json.length / 1e6).toFixed(1)} MB of text, over the ${MAX_RECORD_CHARS / 1e6} MB limit per record` } };
    }
    return { record };
  };
}
