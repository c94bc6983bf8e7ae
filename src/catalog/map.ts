import { LoupeError } from '../errors.js';
import { CatalogueError } from './parse.js';

/** Fields every catalogue record has; anything else is an attribute. */
export const CORE_FIELDS = ['id', 'image', 'title', 'description', 'labels', 'groups'] as const;
export type CoreField = (typeof CORE_FIELDS)[number];

export type FieldSource = { kind: 'column'; column: string } | { kind: 'template'; template: string; columns: string[] };

/** `--map` parsed: target field -> where its value comes from. Unmapped core fields read same-named columns. */
export type ColumnMap = ReadonlyMap<string, FieldSource>;

export class ColumnMapError extends LoupeError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

const PLACEHOLDER = /\{([^{}]+)\}/g;
const FIELD_NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * Parses `field=column` / `field=template` entries, comma-separated and/or repeated.
 * A comma only separates entries when what follows looks like `name=`, so templates may contain commas.
 */
export function parseColumnMap(specs: string | readonly string[] | undefined): ColumnMap {
  const list = specs === undefined ? [] : typeof specs === 'string' ? [specs] : specs;
  const map = new Map<string, FieldSource>();
  for (const spec of list) {
    for (const entry of spec.split(/,(?=\s*[A-Za-z_][\w.-]*\s*=)/)) {
      if (!entry.trim()) continue;
      const eq = entry.indexOf('=');
      if (eq < 0) throw new ColumnMapError(`--map entry '${entry}' is not field=column or field=template`);
      const field = entry.slice(0, eq).trim();
      const value = entry.slice(eq + 1).trim();
      if (!FIELD_NAME.test(field)) throw new ColumnMapError(`--map entry '${entry}': '${field}' is not a valid field name`);
      if (!value) throw new ColumnMapError(`--map entry '${entry}' has no column or template`);
      if (map.has(field)) throw new ColumnMapError(`--map sets '${field}' twice`);
      const columns = [...value.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').trim());
      map.set(field, columns.length ? { kind: 'template', template: value, columns } : { kind: 'column', column: value });
    }
  }
  return map;
}

/** Every field this map produces: the core fields plus any extra attribute fields it names. */
function targetFields(map: ColumnMap): string[] {
  return [...new Set<string>([...CORE_FIELDS, ...map.keys()])];
}

function sourceOf(map: ColumnMap, field: string): FieldSource {
  return map.get(field) ?? { kind: 'column', column: field };
}

/** Columns read as a whole into a field; they are not repeated in attrs. Template inputs are. */
export function consumedColumns(map: ColumnMap): Set<string> {
  const out = new Set<string>();
  for (const field of targetFields(map)) {
    const src = sourceOf(map, field);
    if (src.kind === 'column') out.add(src.column);
  }
  return out;
}

/** For header-bearing formats: catches typos in --map and missing required columns before any work. */
export function checkColumns(map: ColumnMap, columns: readonly string[]): void {
  const have = new Set(columns);
  const list = columns.filter(Boolean).join(', ');
  for (const [field, src] of map) {
    const needed = src.kind === 'column' ? [src.column] : src.columns;
    for (const c of needed) {
      if (!have.has(c)) throw new CatalogueError(`--map ${field}=${src.kind === 'column' ? src.column : src.template}: no column '${c}' (columns: ${list})`);
    }
  }
  for (const field of ['id', 'image'] as const) {
    if (!map.has(field) && !have.has(field)) {
      throw new CatalogueError(`the catalogue has no '${field}' column (columns: ${list}); map one with --map ${field}=COLUMN`);
    }
  }
}

export interface MappedRow {
  /** Field values; undefined where the source column is absent. */
  fields: Record<string, unknown>;
  /** Why a templated field came out empty, to explain a later "missing" error. */
  notes: Record<string, string>;
}

function asText(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

export function mapRow(map: ColumnMap, values: Record<string, unknown>): MappedRow {
  const fields: Record<string, unknown> = {};
  const notes: Record<string, string> = {};
  for (const field of targetFields(map)) {
    const src = sourceOf(map, field);
    if (src.kind === 'column') {
      fields[field] = values[src.column];
      continue;
    }
    const blank = src.columns.find((c) => isBlank(values[c]));
    if (blank !== undefined) {
      fields[field] = undefined;
      notes[field] = `template '${src.template}' needs column '${blank}', which is empty or absent`;
      continue;
    }
    fields[field] = src.template.replace(PLACEHOLDER, (_, c: string) => asText(values[c.trim()]));
  }
  return { fields, notes };
}
