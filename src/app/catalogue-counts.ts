import { subscribeChanges } from '../store/changes.js';
import type { Db } from '../store/db.js';
import { catalogueStats } from '../store/item-views.js';
import { catalogueState, countItems } from '../store/items.js';
import { vectorCounts } from '../store/vector-counts.js';

/**
 * Whole-catalogue counts (items, label chips, vectors per version, the report's key) read every row: at 1M items
 * GET /api/stats took 1,153 ms and GET /api/versions 743 ms per request (`npm run bench --
 * scale-1m-serve`). They change only when data does, and every write to items, embeddings and
 * tombstones sends a change notice (store/changes.ts), so a server keeps each count until the next
 * notice. Until the subscription is up, every read goes to the database.
 */
export class CatalogueCounts {
  private readonly memo = new Map<string, Promise<unknown>>();
  private listening = false;
  readonly ready: Promise<void>;

  constructor(private readonly db: Db) {
    this.ready = subscribeChanges(db, () => this.memo.clear()).then(
      () => void (this.listening = true),
      () => undefined,
    );
  }

  stats(): ReturnType<typeof catalogueStats> {
    return this.read('stats', () => catalogueStats(this.db));
  }

  items(): Promise<number> {
    return this.read('items', () => countItems(this.db));
  }

  vectors(): Promise<Map<string, number>> {
    return this.read('vectors', () => vectorCounts(this.db));
  }

  /** Items and their latest change: the proof report's cache key. */
  catalogue(): ReturnType<typeof catalogueState> {
    return this.read('catalogue', () => catalogueState(this.db));
  }

  private read<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (!this.listening) return fn();
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = fn();
      this.memo.set(key, hit);
      hit.catch(() => this.memo.delete(key));
    }
    return hit;
  }
}
