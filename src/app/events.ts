/**
 * Behaviour: taste events recorded one request at a time (`POST /api/events`) or imported from a
 * file (`loupe events import`), after which the feed blend is refitted for this catalogue.
 */
import type { ActionWeights, TasteEvent } from '../graph/actions.js';
import { refitBlend, type BlendRefit } from '../graph/io/feed-eval.js';
import { importEvents, type EventImportResult } from '../graph/io/import-events.js';
import { tasteService } from './feed.js';
import { insertEvents, knownItems } from '../store/events.js';
import { LoupeError } from '../errors.js';
import type { AppServices } from './context.js';

/** Records events for known items, folding each into its user's taste at once; every event or none (422 naming unknown items). */
export async function recordEvents(s: Pick<AppServices, 'db' | 'indexes' | 'live'>, events: TasteEvent[]): Promise<{ recorded: number; duplicates: number }> {
  const known = await knownItems(
    s.db,
    events.map((e) => e.item),
  );
  const unknown = [...new Set(events.map((e) => e.item).filter((id) => !known.has(id)))];
  if (unknown.length) throw new LoupeError('unprocessable', `unknown items (nothing recorded): ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}`);
  return tasteService(s).record(events);
}

export interface EventFileImport {
  result: EventImportResult;
  /** The feed blend refitted on the events, or why it could not be; absent when nothing new landed. */
  refit?: BlendRefit | { error: string };
}

/** Imports an events file (CSV or JSONL), then refits the feed blend so served feeds use weights fitted for this catalogue. */
export async function importEventFile(s: Pick<AppServices, 'db' | 'indexes'>, file: string, weights: ActionWeights): Promise<EventFileImport> {
  const result = await importEvents(s.db, file, weights, async (evs) => {
    const added = await insertEvents(s.db, evs);
    return { recorded: added.length, duplicates: evs.length - added.length };
  });
  if (result.imported === 0) return { result };
  try {
    return { result, refit: await refitBlend(s.db, s.indexes) };
  } catch (err) {
    return { result, refit: { error: err instanceof Error ? err.message : String(err) } };
  }
}
