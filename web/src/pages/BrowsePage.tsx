import { useQuery } from '@tanstack/react-query';
import { useLayoutEffect, useMemo, useRef } from 'react';
import { FilterBar } from '../components/FilterBar';
import { InfiniteSentinel } from '../components/InfiniteSentinel';
import { MasonryGrid } from '../components/MasonryGrid';
import { EmptyState, ErrorState, SkeletonGrid } from '../components/States';
import { plural } from '../lib/format';
import { queries } from '../lib/queries';
import { savedScroll } from '../lib/router';
import { usePagedItems } from '../lib/usePagedItems';

export function BrowsePage({ label, group }: { label: string | null; group: string | null }) {
  const stats = useQuery(queries.stats());
  const pages = usePagedItems(label, group);
  const entries = useMemo(() => pages.items.map((item) => ({ item, fresh: pages.fresh.has(item.id) })), [pages.items, pages.fresh]);

  // Back from an item: return to where the reader was in the grid.
  const restored = useRef(false);
  useLayoutEffect(() => {
    if (restored.current || !pages.ready || entries.length === 0) return;
    restored.current = true;
    const y = savedScroll();
    if (y > 0) requestAnimationFrame(() => window.scrollTo({ top: y }));
  }, [pages.ready, entries.length]);

  const heading = label ?? (group ? `Group ${group}` : 'Discover');
  const count = label ? stats.data?.labels.find((l) => l.label === label)?.count : group ? undefined : stats.data?.items;

  return (
    <section className="page" aria-labelledby="browse-title">
      <div className="page-head">
        <h1 id="browse-title">{heading}</h1>
        {count !== undefined && <p className="page-sub">{plural(count, 'item')}</p>}
      </div>
      <FilterBar stats={stats.data} label={label} group={group} />
      {!pages.ready ? (
        <SkeletonGrid />
      ) : pages.error && entries.length === 0 ? (
        <ErrorState error={pages.error} onRetry={pages.retry} title="Couldn't load the catalogue" />
      ) : entries.length === 0 ? (
        label || group ? (
          <EmptyState title="Nothing matches this filter">Try another label, or clear the filter.</EmptyState>
        ) : (
          <EmptyState title="The catalogue is empty">
            <p>
              Ingest a catalogue to fill it: <code>loupe ingest items.csv</code>, or run <code>loupe demo</code> for the bundled sample. New items appear here as they arrive.
            </p>
          </EmptyState>
        )
      ) : (
        <>
          <MasonryGrid entries={entries} label={`${heading} items`} />
          {pages.error ? <ErrorState error={pages.error} onRetry={pages.retry} title="Couldn't load more" /> : null}
          <InfiniteSentinel hasMore={pages.hasMore} loading={pages.loading} onMore={pages.loadMore} total={entries.length} />
        </>
      )}
    </section>
  );
}
