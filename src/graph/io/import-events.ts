import { readCatalogue, type RowError } from '../../catalog/parse.js';
import type { Db } from '../../store/db.js';
import { knownItems } from '../../store/events.js';
import { toTasteEvent, type ActionWeights, type TasteEvent } from '../actions.js';

export interface EventImportResult {
  /** Events newly stored. */
  imported: number;
  /** Valid events already stored (a re-import), not counted again. */
  duplicates: number;
  /** One per refused row, in line order; the rest lands. */
  errors: RowError[];
}

function guessItem(values: Record<string, unknown>): string | null {
  const v = values.item;
  return (typeof v === 'string' || typeof v === 'number') && String(v).trim() ? String(v).trim() : null;
}

/**
 * Validates rows of an events file (CSV/TSV/JSONL with user, item, action, ts): unknown items,
 * unknown actions and bad rows become errors like ingest's, the rest is handed to `store`.
 */
export async function importEvents(
  db: Db,
  file: string,
  weights: ActionWeights,
  store: (events: readonly TasteEvent[]) => Promise<{ recorded: number; duplicates: number }>,
): Promise<EventImportResult> {
  const parsed = await readCatalogue(file);
  const errors: RowError[] = [...parsed.errors];
  const good: { line: number; ev: TasteEvent }[] = [];
  for (const row of parsed.rows) {
    const ev = toTasteEvent(row.values, weights);
    if (typeof ev === 'string') errors.push({ line: row.line, id: guessItem(row.values), reason: ev });
    else good.push({ line: row.line, ev });
  }
  const known = await knownItems(
    db,
    good.map((g) => g.ev.item),
  );
  const ok: TasteEvent[] = [];
  for (const g of good) {
    if (known.has(g.ev.item)) ok.push(g.ev);
    else errors.push({ line: g.line, id: g.ev.item, reason: `unknown item '${g.ev.item}' (not in the catalogue)` });
  }
  const { recorded, duplicates } = await store(ok);
  errors.sort((a, b) => a.line - b.line);
  return { imported: recorded, duplicates, errors };
}
