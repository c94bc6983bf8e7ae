import { useMemo, useState } from 'react';
import type { CardEntry } from './ItemCard';
import { MasonryGrid } from './MasonryGrid';
import { EmptyState, ErrorState, SkeletonGrid } from './States';
import { api } from '../lib/api';
import { useAsync } from '../lib/useAsync';
import type { SceneObject } from '../lib/types';

const PER_OBJECT = 12;
const TAPPED_K = 48;

const entriesOf = (o: SceneObject | undefined): CardEntry[] => (o?.items ?? []).filter((n) => n.item).map((n) => ({ item: n.item!, score: n.score }));

/** Shop the look: the objects found in the uploaded photo drawn as boxes; tapping one searches that region. */
export function ShopTheLook({ file, previewUrl }: { file: Blob; previewUrl: string }) {
  const scene = useAsync((s) => api.sceneSearch(file, PER_OBJECT, null, s), [file]);
  const [picked, setPicked] = useState(0);
  const objects = scene.data?.objects ?? [];
  const box = objects[picked]?.box ?? null;
  const tapped = useAsync((s) => (box ? api.sceneSearch(file, TAPPED_K, box, s) : Promise.resolve(undefined)), [file, box?.join(',')]);
  const entries = useMemo(() => entriesOf(tapped.data?.objects[0] ?? objects[picked]), [tapped.data, objects, picked]);

  if (scene.loading && !scene.data) return <SkeletonGrid />;
  if (scene.error) return <ErrorState error={scene.error} onRetry={scene.reload} title="Finding the objects in this photo failed" />;
  if (!scene.data) return null;
  const { width, height, note } = scene.data;
  return (
    <section className="shop-look" aria-labelledby="shop-look-title">
      <h2 id="shop-look-title">In this photo</h2>
      {note && <p className="result-meta">{note}</p>}
      <div className="shop-look-body">
        <div className="shop-look-photo" style={{ aspectRatio: `${width} / ${height}` }}>
          <img src={previewUrl} alt="Your photo with the objects found in it" />
          {objects.map((o, i) => (
            <button
              key={`${o.label}-${o.box.join(',')}`}
              type="button"
              className={`shop-look-box${i === picked ? ' is-picked' : ''}`}
              style={{ left: `${(100 * o.box[0]) / width}%`, top: `${(100 * o.box[1]) / height}%`, width: `${(100 * o.box[2]) / width}%`, height: `${(100 * o.box[3]) / height}%` }}
              aria-pressed={i === picked}
              onClick={() => setPicked(i)}
            >
              <span>{o.label}</span>
            </button>
          ))}
        </div>
        <div className="shop-look-matches">
          <p className="result-meta">
            Matches for <strong>{objects[picked]?.label ?? 'the photo'}</strong>
            {tapped.loading ? ' …' : ''}
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
