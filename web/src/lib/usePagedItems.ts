import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api';
import type { ItemView } from './types';

export const PAGE_SIZE = 40;

/** A live refresh loads at most this many items past what the reader had on screen. */
const CATCH_UP = 200;

const EMPTY: ReadonlySet<string> = new Set();

/** The grid as it was when a live refresh started. */
interface Snapshot {
  seen: ReadonlySet<string>;
  lastId: string | undefined;
  /** Everything was loaded: the refresh goes on to the (new) end. */
  atEnd: boolean;
  shown: number;
}

/**
 * Keyset-paged catalogue listing (TanStack Query's infinite query). `loadMore` appends the next
 * page. Pages are kept until invalidated, so a trip to an item and Back shows the grid as it was left.
 *
 * A live `items`/`vectors` event invalidates `['items']` (lib/live.tsx) and TanStack refetches as
 * many pages as were loaded, each cursor taken from the refetched page before it. Items that arrive
 * inside that range push the last ones the reader had seen out of it (the e2e check's 40 new items
 * in a 44-item grid read to its end: 80 of 84 shown, the rest behind "Load more"). So the one
 * hand-rolled part kept here fetches on until what was on screen is covered again, and marks what
 * arrived as `fresh`.
 */
export function usePagedItems(label: string | null, group: string | null) {
  const query = useInfiniteQuery({
    queryKey: ['items', label, group],
    queryFn: ({ pageParam, signal }) => api.items({ cursor: pageParam, limit: PAGE_SIZE, label, group }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const { data, isFetching, isRefetching, hasNextPage, isError, fetchNextPage, refetch } = query;

  const items = useMemo(() => {
    const seen = new Set<string>();
    const out: ItemView[] = [];
    for (const page of data?.pages ?? [])
      for (const item of page.items) {
        if (seen.has(item.id)) continue;
        seen.add(item.id);
        out.push(item);
      }
    return out;
  }, [data]);

  const [fresh, setFresh] = useState<ReadonlySet<string>>(EMPTY);
  const snap = useRef<Snapshot | null>(null);
  useEffect(() => {
    setFresh(EMPTY);
    snap.current = null;
  }, [label, group]);

  // A refetch of the loaded pages is starting (the old pages are still in `items`).
  useEffect(() => {
    if (!isRefetching || snap.current) return;
    snap.current = { seen: new Set(items.map((i) => i.id)), lastId: items[items.length - 1]?.id, atEnd: !hasNextPage, shown: items.length };
    // Only the start of a refetch matters here.
  }, [isRefetching]);

  // It landed: mark what is new, and fetch on until what the reader had seen is covered again.
  useEffect(() => {
    const s = snap.current;
    if (!s || isFetching) return;
    const added = items.filter((i) => !s.seen.has(i.id)).map((i) => i.id);
    if (added.length) setFresh(new Set(added));
    const covered = s.atEnd ? !hasNextPage : s.lastId === undefined || items.some((i) => i.id === s.lastId);
    if (!covered && hasNextPage && !isError && items.length < s.shown + CATCH_UP) void fetchNextPage();
    else snap.current = null;
  }, [items, isFetching, hasNextPage, isError, fetchNextPage]);

  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetching) void fetchNextPage();
  }, [hasNextPage, isFetching, fetchNextPage]);
  const retry = useCallback(() => void (items.length ? fetchNextPage() : refetch()), [items.length, fetchNextPage, refetch]);

  return {
    items,
    fresh,
    /** The first page has arrived (or failed). */
    ready: query.status !== 'pending',
    loading: isFetching,
    error: query.error,
    hasMore: hasNextPage,
    loadMore,
    retry,
  };
}
