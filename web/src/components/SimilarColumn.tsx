import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { ApiError } from '../lib/api';
import { queries } from '../lib/queries';
import type { VersionInfo } from '../lib/types';
import type { CardEntry } from './ItemCard';
import { MasonryGrid } from './MasonryGrid';
import { EmptyState, ErrorState, SkeletonGrid } from './States';

function versionLabel(v: VersionInfo): string {
  return `${v.name}${v.promoted ? ' · serving' : ''}${v.kind !== v.name ? ` (${v.kind})` : ''}`;
}

/** "More like this" from one embedding version, with a picker to switch versions. */
export function SimilarColumn({
  itemId,
  version,
  versions,
  onVersion,
  index,
  k = 12,
  maxColumns,
}: {
  itemId: string;
  version: string | null;
  versions: VersionInfo[];
  onVersion?: (name: string) => void;
  index: number;
  k?: number;
  maxColumns?: number;
}) {
  const res = useQuery(queries.similar(itemId, version, k));
  const entries = useMemo<CardEntry[]>(() => (res.data?.items ?? []).filter((n) => n.item).map((n) => ({ item: n.item!, score: n.score })), [res.data]);
  const info = versions.find((v) => v.name === (version ?? res.data?.version));
  const selectId = `similar-version-${index}`;

  return (
    <section className="similar-column" aria-labelledby={`${selectId}-title`} data-version={version ?? res.data?.version ?? ''}>
      <div className="similar-head">
        <h3 id={`${selectId}-title`}>{info ? info.name : (res.data?.version ?? 'Default version')}</h3>
        {onVersion && versions.length > 1 && (
          <>
            <label htmlFor={selectId} className="visually-hidden">
              Version for column {index + 1}
            </label>
            <select id={selectId} value={version ?? ''} onChange={(e) => onVersion(e.target.value)}>
              {versions.map((v) => (
                <option key={v.name} value={v.name}>
                  {versionLabel(v)}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      {info && (
        <p className="similar-meta">
          {info.encoder} · {info.dims}-d · {info.count.toLocaleString()} vectors
        </p>
      )}
      {res.isPending ? (
        <SkeletonGrid count={6} />
      ) : res.error ? (
        res.error instanceof ApiError && res.error.status === 409 ? (
          <EmptyState title="Not encoded yet">{res.error.message}</EmptyState>
        ) : (
          <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Couldn't load similar items" />
        )
      ) : entries.length === 0 ? (
        <EmptyState title="No neighbours yet">This version has no other items to compare with.</EmptyState>
      ) : (
        <MasonryGrid entries={entries} label={`Similar items from ${res.data?.version ?? 'default version'}`} maxColumns={maxColumns} />
      )}
    </section>
  );
}
