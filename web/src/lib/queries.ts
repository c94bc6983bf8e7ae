import { keepPreviousData, QueryClient, queryOptions, type QueryKey } from '@tanstack/react-query';
import { api } from './api';

/**
 * One cache for the whole app (TanStack Query). Answers are refetched when a screen mounts, as
 * before, and when a live event says the server's data changed (see `LIVE_KEYS`); never on focus,
 * reconnect or by retrying a failure: errors show at once with their own Retry button.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false } } });
}

/** What an `items`, `vectors` or `versions` live event makes stale: the catalogue, its counts and the versions. */
export const LIVE_KEYS: readonly QueryKey[] = [['health'], ['stats'], ['versions'], ['items']];

export const queries = {
  health: () => queryOptions({ queryKey: ['health'], queryFn: ({ signal }) => api.health(signal) }),
  stats: () => queryOptions({ queryKey: ['stats'], queryFn: ({ signal }) => api.stats(signal) }),
  versions: () => queryOptions({ queryKey: ['versions'], queryFn: ({ signal }) => api.versions(signal) }),
  item: (id: string) => queryOptions({ queryKey: ['item', id], queryFn: ({ signal }) => api.item(id, signal) }),
  // A new version or query keeps the previous answer on screen until the new one arrives.
  similar: (id: string, version: string | null, k: number) =>
    queryOptions({ queryKey: ['similar', id, version, k], queryFn: ({ signal }) => api.similar(id, { k, version }, signal), placeholderData: keepPreviousData }),
  tags: (id: string) => queryOptions({ queryKey: ['tags', id], queryFn: ({ signal }) => api.tags(id, signal) }),
  itemScene: (id: string, k: number) => queryOptions({ queryKey: ['item-scene', id, k], queryFn: ({ signal }) => api.itemScene(id, k, signal) }),
  textSearch: (q: string, k: number) => queryOptions({ queryKey: ['search', q, k], queryFn: ({ signal }) => api.textSearch(q, k, null, signal), placeholderData: keepPreviousData }),
  users: () => queryOptions({ queryKey: ['users'], queryFn: ({ signal }) => api.users(signal) }),
  feedEval: () => queryOptions({ queryKey: ['feed-eval'], queryFn: ({ signal }) => api.feedEval(signal) }),
  report: () => queryOptions({ queryKey: ['report'], queryFn: ({ signal }) => api.report(signal) }),
  quality: () => queryOptions({ queryKey: ['quality'], queryFn: ({ signal }) => api.quality(signal) }),
};
