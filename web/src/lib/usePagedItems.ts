import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from './api';
import type { ItemView } from './types';

export const PAGE_SIZE = 40;

const REFRESH_PAGE = 200;
const REFRESH_MAX_PAGES = 10;

/**
 * Refetches from the start as far as the reader had got: up to the last item shown (or to the end
 * when everything was loaded), so items added anywhere in that range show up in place.
 */
async function refetchCovering(shown: ItemView[], cursor: string | null, label: string | null, group: string | null, signal: AbortSignal): Promise<{ items: ItemView[]; next_cursor: string | null }> {
  const lastId = shown[shown.length - 1]?.id;
  const items: ItemView[] = [];
  let next: string | null = null;
  for (let n = 0; n < REFRESH_MAX_PAGES; n++) {
    const page = await api.items({ cursor: next, limit: REFRESH_PAGE, label, group }, signal);
    items.push(...page.items);
    next = page.next_cursor;
    if (!next) break;
    // Covered what was on screen (and the reader had not reached the end): stop there.
    if (cursor !== null && (lastId === undefined || page.items.some((i) => i.id === lastId) || items.length >= shown.length + REFRESH_PAGE)) break;
  }
  if (cursor !== null && lastId !== undefined) {
    const at = items.findIndex((i) => i.id === lastId);
    if (at >= 0 && at < items.length - 1) return { items: items.slice(0, at + 1), next_cursor: lastId };
  }
  return { items, next_cursor: next };
}

interface PagedState {
  items: ItemView[];
  cursor: string | null;
  /** The first page has arrived (or failed). */
  ready: boolean;
  loading: boolean;
  error: unknown;
  /** Ids that arrived through a live refresh, to highlight. */
  fresh: ReadonlySet<string>;
}

interface Cached {
  items: ItemView[];
  cursor: string | null;
  dataVersion: number;
}

/** Pages survive a trip to an item and Back, so the grid and its scroll position come back as left. */
const cache = new Map<string, Cached>();
const EMPTY: ReadonlySet<string> = new Set();

/**
 * Keyset-paged catalogue listing. `loadMore` appends the next page; a change of `dataVersion`
 * (a live `items`/`vectors` event) refetches from the start as far as the reader had scrolled,
 * marking ids that were not there before.
 */
export function usePagedItems(label: string | null, group: string | null, dataVersion: number) {
  const key = `${label ?? ''}\u0000${group ?? ''}`;
  const hit = cache.get(key);
  const [state, setState] = useState<PagedState>(() =>
    hit
      ? { items: hit.items, cursor: hit.cursor, ready: true, loading: false, error: undefined, fresh: EMPTY }
      : { items: [], cursor: null, ready: false, loading: true, error: undefined, fresh: EMPTY },
  );
  const token = useRef(0);
  const ctl = useRef<AbortController | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;

  const fetchPage = useCallback(
    async (mode: 'first' | 'more' | 'refresh') => {
      const current = stateRef.current;
      if (mode === 'more' && (current.loading || !current.cursor)) return;
      if (mode !== 'more') ctl.current?.abort();
      const my = ++token.current;
      const abort = new AbortController();
      ctl.current = abort;
      setState((s) => ({ ...s, loading: true, error: undefined }));
      try {
        let page: { items: ItemView[]; next_cursor: string | null };
        if (mode === 'refresh') {
          page = await refetchCovering(current.items, current.cursor, label, group, abort.signal);
        } else {
          page = await api.items({ cursor: mode === 'more' ? current.cursor : null, limit: PAGE_SIZE, label, group }, abort.signal);
        }
        if (my !== token.current) return;
        setState((s) => {
          if (mode === 'more') {
            const seen = new Set(s.items.map((i) => i.id));
            return { ...s, items: [...s.items, ...page.items.filter((i) => !seen.has(i.id))], cursor: page.next_cursor, loading: false, ready: true };
          }
          const before = new Set(s.items.map((i) => i.id));
          const fresh = mode === 'refresh' ? new Set(page.items.filter((i) => !before.has(i.id)).map((i) => i.id)) : EMPTY;
          return { items: page.items, cursor: page.next_cursor, loading: false, ready: true, error: undefined, fresh: fresh.size ? fresh : s.fresh };
        });
      } catch (error) {
        if (isAbort(error) || my !== token.current) return;
        setState((s) => ({ ...s, loading: false, ready: true, error }));
      }
    },
    [label, group],
  );

  // New filter: start over (or resume from the cache).
  const lastVersion = useRef(hit?.dataVersion ?? dataVersion);
  useEffect(() => {
    const cached = cache.get(key);
    if (cached) {
      setState({ items: cached.items, cursor: cached.cursor, ready: true, loading: false, error: undefined, fresh: EMPTY });
      lastVersion.current = cached.dataVersion;
      if (cached.dataVersion !== dataVersion) void fetchPage('refresh');
    } else {
      setState({ items: [], cursor: null, ready: false, loading: true, error: undefined, fresh: EMPTY });
      lastVersion.current = dataVersion;
      void fetchPage('first');
    }
    return () => ctl.current?.abort();
    // Only a new filter restarts the listing; data changes are handled by the effect below.
  }, [key]);

  // Live change on the server: refresh what is on screen, keeping the reader's place.
  useEffect(() => {
    if (dataVersion === lastVersion.current) return;
    lastVersion.current = dataVersion;
    void fetchPage('refresh');
  }, [dataVersion, fetchPage]);

  useEffect(() => {
    if (state.ready && !state.error) cache.set(key, { items: state.items, cursor: state.cursor, dataVersion: lastVersion.current });
  }, [key, state]);

  const loadMore = useCallback(() => void fetchPage('more'), [fetchPage]);
  const retry = useCallback(() => void fetchPage(stateRef.current.items.length ? 'more' : 'first'), [fetchPage]);
  return { ...state, hasMore: state.cursor !== null, loadMore, retry };
}
