import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { ApiError } from '../lib/api';
import type { ItemView } from '../lib/types';
import type { CardEntry } from './ItemCard';
import { MasonryGrid } from './MasonryGrid';
import { EmptyState, ErrorState, SkeletonGrid } from './States';

interface CompleteResponse {
  version: string;
  items: { id: string; score: number; reason: { text: string }; item: ItemView | null }[];
}

async function fetchComplete(id: string, k: number, signal: AbortSignal): Promise<CompleteResponse> {
  const res = await fetch(`/api/items/${encodeURIComponent(id)}/complete?k=${k}&expand=1`, { headers: { accept: 'application/json' }, signal });
  const body = (await res.json().catch(() => undefined)) as (CompleteResponse & { error?: { code: string; message: string } }) | undefined;
  if (!res.ok || !body) throw new ApiError(res.status, body?.error?.code ?? 'http_error', body?.error?.message ?? `${res.status} request failed`);
  return body;
}

/** "Goes with": items that complete a group with this one, each captioned with its reason. */
export function GoesWith({ itemId, k = 12 }: { itemId: string; k?: number }) {
  const res = useQuery({ queryKey: ['complete', itemId, k], queryFn: ({ signal }) => fetchComplete(itemId, k, signal) });
  const entries = useMemo<CardEntry[]>(() => (res.data?.items ?? []).filter((n) => n.item).map((n) => ({ item: n.item!, why: [n.reason.text] })), [res.data]);
  if (res.isPending) return <SkeletonGrid count={6} />;
  if (res.error) {
    return res.error instanceof ApiError && (res.error.status === 409 || res.error.status === 404) ? (
      <EmptyState title="Nothing to complete yet">{res.error.message}</EmptyState>
    ) : (
      <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't load what goes with this" />
    );
  }
  if (!entries.length) return <EmptyState title="Nothing to complete yet">No other items to pair with.</EmptyState>;
  return <MasonryGrid entries={entries} label={`Goes with this item (${res.data?.version ?? ''})`} maxColumns={6} />;
}
