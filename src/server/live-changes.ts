import type { IndexRegistry } from '../index/registry.js';
import { subscribeChanges, type DataChange } from '../store/changes.js';
import type { Db } from '../store/db.js';
import type { LiveBus } from '../app/live.js';

/** Item notices within this window reach subscribers as one event (an ingest writes in batches). */
const ITEMS_WINDOW_MS = 250;
/** Vector writes within this window cost one index sync (an encode commits every batch). */
const VECTORS_WINDOW_MS = 1000;
const IDS_PER_EVENT = 50;

export interface ChangeBridgeOptions {
  log?: ((message: string) => void) | undefined;
}

/**
 * Turns committed data changes (from this process or any other writing to the same database)
 * into live events, and keeps the serving indexes and the default version current with them.
 * Returns the stop function.
 */
export async function bridgeDataChanges(s: { db: Db; indexes: IndexRegistry; live: LiveBus }, opts: ChangeBridgeOptions = {}): Promise<() => Promise<void>> {
  const pendingItems = new Map<'ingested' | 'updated', { count: number; ids: string[] }>();
  let itemsTimer: NodeJS.Timeout | undefined;
  const dirtyVersions = new Set<string>();
  let vectorsTimer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let stopped = false;
  // Index sizes already announced (by this bridge or by an in-process job), so none is repeated.
  const announced = new Map<string, number>();
  const stopWatching = s.live.subscribe((event) => {
    if (event.type === 'vectors') announced.set(event.version, event.count);
  });

  const flushItems = () => {
    itemsTimer = undefined;
    for (const [action, batch] of pendingItems) s.live.publish({ type: 'items', action, ids: batch.ids, count: batch.count });
    pendingItems.clear();
  };

  // Syncs run one at a time; versions dirtied during a sync are picked up by the next round.
  const syncDirty = async () => {
    while (dirtyVersions.size && !stopped) {
      const versions = [...dirtyVersions];
      dirtyVersions.clear();
      for (const version of versions) {
        try {
          const report = await s.indexes.sync(version);
          if (announced.get(version) !== report.size) s.live.publish({ type: 'vectors', version, count: report.size });
        } catch (err) {
          opts.log?.(`live: index sync of '${version}' failed: ${(err as Error).message}`);
        }
      }
    }
  };
  const scheduleSync = () => {
    vectorsTimer = undefined;
    syncing ??= syncDirty().finally(() => {
      syncing = undefined;
      if (dirtyVersions.size && !stopped) vectorsTimer ??= setTimeout(scheduleSync, VECTORS_WINDOW_MS);
    });
  };

  const onChange = (change: DataChange) => {
    if (stopped) return;
    switch (change.table) {
      case 'items': {
        const batch = pendingItems.get(change.action) ?? { count: 0, ids: [] };
        batch.count += change.count;
        batch.ids.push(...change.ids.slice(0, Math.max(0, IDS_PER_EVENT - batch.ids.length)));
        pendingItems.set(change.action, batch);
        itemsTimer ??= setTimeout(flushItems, ITEMS_WINDOW_MS);
        break;
      }
      case 'embeddings':
        dirtyVersions.add(change.version);
        if (!syncing) vectorsTimer ??= setTimeout(scheduleSync, VECTORS_WINDOW_MS);
        break;
      case 'promotions':
        s.indexes.defaultVersion = change.version;
        s.live.publish({ type: 'versions', promoted: change.version });
        break;
    }
  };

  const unsubscribe = await subscribeChanges(s.db, onChange);
  return async () => {
    stopped = true;
    stopWatching();
    clearTimeout(itemsTimer);
    clearTimeout(vectorsTimer);
    await unsubscribe();
    await syncing;
  };
}
