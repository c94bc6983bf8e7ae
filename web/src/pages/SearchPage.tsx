import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import type { CardEntry } from '../components/ItemCard';
import { MasonryGrid } from '../components/MasonryGrid';
import { ShopTheLook } from '../components/ShopTheLook';
import { EmptyState, ErrorState, SkeletonGrid } from '../components/States';
import { ApiError } from '../lib/api';
import { plural } from '../lib/format';
import { queries } from '../lib/queries';
import type { SimilarResult } from '../lib/types';

export const SEARCH_K = 48;

export interface ImageQuery {
  name: string;
  previewUrl: string;
  /** The uploaded photo, re-sent for shop-the-look (its objects and a tapped box). */
  file?: Blob;
  loading: boolean;
  result?: SimilarResult;
  error?: unknown;
}

function toEntries(res: SimilarResult | undefined): CardEntry[] {
  return (res?.items ?? []).filter((n) => n.item).map((n) => ({ item: n.item!, score: n.score }));
}

function Results({ res, label }: { res: SimilarResult; label: string }) {
  const entries = useMemo(() => toEntries(res), [res]);
  if (entries.length === 0) return <EmptyState title="No matches">Nothing in the catalogue is close enough. Try another query.</EmptyState>;
  return (
    <>
      <p className="result-meta">
        {plural(entries.length, 'result')} · version <strong>{res.version}</strong>
      </p>
      <MasonryGrid entries={entries} label={label} />
    </>
  );
}

function TextResults({ q }: { q: string }) {
  const res = useQuery(queries.textSearch(q, SEARCH_K));
  if (res.isPending) return <SkeletonGrid />;
  if (res.error instanceof ApiError && res.error.missingRoute) {
    return (
      <EmptyState title="Text search isn't available yet">This server has no text search route. You can still search by photo: drop one anywhere on the page or use the camera button.</EmptyState>
    );
  }
  if (res.error instanceof ApiError && res.error.status === 409) {
    // The server is fine; no version can place words in its space yet.
    return <EmptyState title="Text search needs a trained version">{res.error.message}</EmptyState>;
  }
  if (res.error) return <ErrorState error={res.error} onRetry={() => void res.refetch()} title="Search failed" />;
  return res.data ? <Results res={res.data} label={`Results for ${q}`} /> : null;
}

export function SearchPage({ q, by, image, onPick }: { q: string | null; by: 'text' | 'image'; image: ImageQuery | null; onPick: () => void }) {
  useEffect(() => {
    document.title = by === 'image' ? 'Search by photo · Loupe' : q ? `${q} · Loupe` : 'Search · Loupe';
  }, [q, by]);

  if (by === 'image') {
    return (
      <section className="page" aria-labelledby="search-title">
        <div className="page-head search-head">
          {image && (
            <img
              key={image.previewUrl}
              className="query-thumb"
              src={image.previewUrl}
              alt={`Your photo: ${image.name}`}
              onError={(e) => {
                e.currentTarget.hidden = true;
              }}
            />
          )}
          <div>
            <h1 id="search-title">Visually similar</h1>
            <p className="page-sub">{image ? image.name : 'Search the catalogue with a photo'}</p>
          </div>
          <button type="button" className="btn btn-secondary" onClick={onPick}>
            {image ? 'Try another photo' : 'Choose a photo'}
          </button>
        </div>
        <div aria-live="polite" aria-busy={image?.loading ?? false}>
          {!image ? (
            <EmptyState title="Drop a photo here">Drag an image onto the page, or choose one from your device, to find items that look like it.</EmptyState>
          ) : image.loading ? (
            <SkeletonGrid />
          ) : image.error ? (
            <ErrorState
              error={image.error}
              title={
                image.error instanceof ApiError && image.error.status === 413
                  ? 'That photo is too large'
                  : image.error instanceof ApiError && image.error.status === 422
                    ? "That file isn't a readable image"
                    : 'Search failed'
              }
              onRetry={onPick}
              retryLabel="Choose another photo"
            />
          ) : image.result ? (
            <>
              {image.file && <ShopTheLook key={image.previewUrl} file={image.file} previewUrl={image.previewUrl} />}
              <h2>The whole photo</h2>
              <Results res={image.result} label="Visually similar items" />
            </>
          ) : null}
        </div>
      </section>
    );
  }

  return (
    <section className="page" aria-labelledby="search-title">
      <div className="page-head">
        <h1 id="search-title">{q ? <>Results for “{q}”</> : 'Search'}</h1>
      </div>
      {q ? <TextResults q={q} /> : <EmptyState title="Type something to search">Describe what you are looking for, e.g. “red dress”.</EmptyState>}
    </section>
  );
}
