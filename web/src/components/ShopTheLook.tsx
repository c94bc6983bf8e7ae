import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState, type PointerEvent } from 'react';
import type { CardEntry } from './ItemCard';
import { MasonryGrid } from './MasonryGrid';
import { boxStyle, ScenePhoto, type Rect } from './ScenePhoto';
import { EmptyState, ErrorState, SkeletonGrid } from './States';
import { api } from '../lib/api';
import type { SceneObject } from '../lib/types';

const PER_OBJECT = 12;
const TAPPED_K = 48;

const entriesOf = (o: SceneObject | undefined): CardEntry[] => (o?.items ?? []).filter((n) => n.item).map((n) => ({ item: n.item!, score: n.score }));

/**
 * Shop the look: the objects found in the uploaded photo drawn as boxes; tapping one searches that
 * region, and dragging on the photo draws a box of your own to search.
 */
export function ShopTheLook({ file, previewUrl }: { file: Blob; previewUrl: string }) {
  // Keyed by the photo's object URL: one per upload, where the Blob itself has no key of its own.
  const scene = useQuery({ queryKey: ['scene', previewUrl, PER_OBJECT, null], queryFn: ({ signal }) => api.sceneSearch(file, PER_OBJECT, null, signal) });
  const [picked, setPicked] = useState(0);
  const [drawn, setDrawn] = useState<SceneObject | null>(null);
  const [draft, setDraft] = useState<Rect | null>(null);
  const start = useRef<[number, number] | null>(null);
  const objects = useMemo(() => [...(scene.data?.objects ?? []), ...(drawn ? [drawn] : [])], [scene.data, drawn]);
  const box = objects[picked]?.box ?? null;
  const tapped = useQuery({
    queryKey: ['scene', previewUrl, TAPPED_K, box],
    queryFn: ({ signal }) => api.sceneSearch(file, TAPPED_K, box, signal),
    enabled: box !== null,
    placeholderData: keepPreviousData,
  });
  const entries = useMemo(() => entriesOf(tapped.data?.objects[0] ?? objects[picked]), [tapped.data, objects, picked]);

  if (scene.isPending) return <SkeletonGrid />;
  if (scene.error) return <ErrorState error={scene.error} onRetry={() => void scene.refetch()} title="Finding the objects in this photo failed" />;
  if (!scene.data) return null;
  const { width, height, note } = scene.data;
  // Pointer position in the photo's pixels (the boxes' space).
  const at = (e: PointerEvent<HTMLDivElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [Math.min(width, Math.max(0, ((e.clientX - r.left) / r.width) * width)), Math.min(height, Math.max(0, ((e.clientY - r.top) / r.height) * height))];
  };
  const rectFrom = (a: [number, number], b: [number, number]): Rect => {
    const x = Math.round(Math.min(a[0], b[0]));
    const y = Math.round(Math.min(a[1], b[1]));
    return [x, y, Math.min(width - x, Math.round(Math.abs(a[0] - b[0]))), Math.min(height - y, Math.round(Math.abs(a[1] - b[1])))];
  };
  return (
    <section className="shop-look" aria-labelledby="shop-look-title">
      <h2 id="shop-look-title">In this photo</h2>
      {note && <p className="result-meta">{note}</p>}
      <div className="shop-look-body">
        <ScenePhoto
          src={previewUrl}
          alt="Your photo with the objects found in it"
          width={width}
          height={height}
          objects={objects}
          picked={picked}
          onPick={setPicked}
          onPointerDown={(e) => {
            if ((e.target as HTMLElement).closest('.shop-look-box')) return;
            e.currentTarget.setPointerCapture(e.pointerId);
            start.current = at(e);
          }}
          onPointerMove={(e) => start.current && setDraft(rectFrom(start.current, at(e)))}
          onPointerUp={(e) => {
            if (!start.current) return;
            const box = rectFrom(start.current, at(e));
            start.current = null;
            setDraft(null);
            if (box[2] < 8 || box[3] < 8) return;
            setDrawn({ box, label: 'your box', score: 1, items: [] });
            setPicked(objects.length - (drawn ? 1 : 0));
          }}
        >
          {draft && <div className="shop-look-draft" style={boxStyle(draft, width, height)} />}
        </ScenePhoto>
        <div className="shop-look-matches">
          <p className="result-meta">
            Matches for <strong>{objects[picked]?.label ?? 'the photo'}</strong>
            {tapped.isFetching ? ' …' : ''}
          </p>
          {entries.length ? (
            <MasonryGrid entries={entries} label={`Items like the ${objects[picked]?.label ?? 'photo'}`} maxColumns={3} />
          ) : (
            <EmptyState title="No matches">Nothing in the catalogue is close to this region.</EmptyState>
          )}
        </div>
      </div>
    </section>
  );
}
