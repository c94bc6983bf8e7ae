import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { csvField, fromCsvRecord } from '../catalog/csv-cell.js';
import type { QualityFindings } from './findings.js';

/**
 * The fix list: one CSV row per (item, finding) with a proposed action the user can edit, then
 * apply with `loupe quality --apply FILE`. `labels` is what the item's labels become on `relabel`
 * (`|`-separated, as in a catalogue CSV).
 */

export const FIX_ACTIONS = ['keep', 'review', 'relabel', 'drop'] as const;
export type FixAction = (typeof FIX_ACTIONS)[number];
export const FIX_COLUMNS = ['id', 'action', 'labels', 'finding', 'confidence', 'current_labels', 'detail'] as const;

export interface FixRow {
  id: string;
  action: FixAction;
  labels: string[];
  finding: string;
  confidence: number | null;
  currentLabels: string[];
  detail: string;
}

/** Proposed fixes: drop the extra copies of an exact duplicate, relabel suspects, review the rest. */
export function fixRows(f: QualityFindings, labelsOf: ReadonlyMap<string, readonly string[]>): FixRow[] {
  const cur = (id: string) => [...(labelsOf.get(id) ?? [])];
  const rows: FixRow[] = [];
  for (const c of f.exactDuplicates) {
    const [keep, ...copies] = c.ids;
    for (const id of copies) rows.push({ id, action: 'drop', labels: cur(id), finding: 'exact-duplicate', confidence: 1, currentLabels: cur(id), detail: `same image as ${keep}` });
  }
  for (const c of f.nearDuplicates) {
    for (const id of c.ids) rows.push({ id, action: 'review', labels: cur(id), finding: 'near-duplicate', confidence: null, currentLabels: cur(id), detail: `cluster ${c.ids.join(' ')}` });
  }
  for (const m of f.mislabelled) {
    rows.push({
      id: m.id,
      action: 'relabel',
      labels: [m.suggested],
      finding: 'mislabelled',
      confidence: m.confidence,
      currentLabels: cur(m.id),
      detail: `${(m.suggestedShare * 100).toFixed(0)}% of neighbours say ${m.suggested}`,
    });
  }
  for (const o of f.outliers)
    rows.push({
      id: o.id,
      action: 'review',
      labels: cur(o.id),
      finding: 'outlier',
      confidence: null,
      currentLabels: cur(o.id),
      detail: `mean distance ${o.meanDistance.toFixed(3)} (z ${o.z.toFixed(1)})`,
    });
  const flagged = new Map([...f.tooSmall.map((l) => [l, 'class-too-small'] as const), ...f.incoherent.map((l) => [l, 'class-incoherent'] as const)]);
  if (flagged.size) {
    for (const [id, labels] of labelsOf) {
      for (const l of labels) {
        const finding = flagged.get(l);
        if (finding) rows.push({ id, action: 'review', labels: labels.filter((x) => x !== l), finding, confidence: null, currentLabels: [...labels], detail: `label '${l}'` });
      }
    }
  }
  return rows;
}

/** Quoted, and formula-guarded against CSV injection (ids and labels come from the catalogue). */
function csvCell(v: string): string {
  return csvField(v);
}

export function fixListCsv(rows: readonly FixRow[]): string {
  const lines = rows.map((r) => [r.id, r.action, r.labels.join('|'), r.finding, r.confidence === null ? '' : r.confidence.toFixed(4), r.currentLabels.join('|'), r.detail].map(csvCell).join(','));
  return [FIX_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

const FixCsvRow = z.object({
  id: z.string().trim().min(1, 'missing id'),
  action: z.enum(FIX_ACTIONS, { error: `action must be one of ${FIX_ACTIONS.join(', ')}` }),
  labels: z
    .string()
    .optional()
    .transform((s) => [
      ...new Set(
        (s ?? '')
          .split('|')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ]),
});

export interface ParsedFixes {
  relabel: Map<string, string[]>;
  drop: Set<string>;
  ignored: number;
  errors: { line: number; reason: string }[];
}

/** Reads an edited fix list; a later `relabel` of the same id wins, `drop` beats `relabel`. */
export function parseFixList(text: string): ParsedFixes {
  const records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as Record<string, string>[];
  const out: ParsedFixes = { relabel: new Map(), drop: new Set(), ignored: 0, errors: [] };
  records.forEach((rec, i) => {
    const parsed = FixCsvRow.safeParse(fromCsvRecord(rec));
    if (!parsed.success) {
      out.errors.push({ line: i + 2, reason: parsed.error.issues.map((x) => x.message).join('; ') });
      return;
    }
    const r = parsed.data;
    if (r.action === 'drop') out.drop.add(r.id);
    else if (r.action === 'relabel') out.relabel.set(r.id, r.labels);
    else out.ignored++;
  });
  for (const id of out.drop) out.relabel.delete(id);
  return out;
}
