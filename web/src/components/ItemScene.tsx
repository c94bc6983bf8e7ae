import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../lib/api';
import { titleOf } from '../lib/format';
import { queries } from '../lib/queries';
import type { ItemView, SceneObject } from '../lib/types';
import { MasonryGrid } from './MasonryGrid';
import { ScenePhoto } from './ScenePhoto';

const PER_OBJECT = 5;

export interface ItemSceneState {
  /** The objects stored for the photo (`loupe encode --objects`); empty while loading, when unscanned or when none was found. */
  objects: SceneObject[];
  width: number;
  height: number;
  /** The photo was never scanned: `loupe encode --objects` would find its products. */
  unscanned: boolean;
  /** Any other failure, shown as one quiet line: the rest of the page does not depend on it. */
  failed: string | null;
  picked: number | null;
  pick: (index: number) => void;
}

/** Shop the look on a catalogue photo, from the objects stored at encode time: nothing is detected now. */
export function useItemScene(id: string): ItemSceneState {
  const scene = useQuery(queries.itemScene(id, PER_OBJECT));
  const [picked, setPicked] = useState<number | null>(null);
  useEffect(() => setPicked(null), [id]);
  const data = scene.data?.item === id ? scene.data : undefined;
  const err = scene.error;
  return {
    // A scan that found nothing is served as the whole photo with a note: not an object to draw.
    objects: data?.scanned && !data.note ? data.objects : [],
    width: data?.width ?? 0,
    height: data?.height ?? 0,
    unscanned: data?.scanned === false || (err instanceof ApiError && err.status === 409),
    failed: err && !(err instanceof ApiError && (err.status === 409 || err.missingRoute)) ? err.message : null,
    picked,
    pick: (index) => {
      setPicked(index);
      const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
      document.getElementById(rowId(index))?.scrollIntoView({ behavior: still ? 'auto' : 'smooth', block: 'nearest' });
    },
  };
}

const rowId = (index: number) => `scene-row-${index}`;

/** The item's photo with the stored objects drawn over it; `children` (the plain photo) when there are none. */
export function ItemPhoto({ item, scene, children }: { item: ItemView; scene: ItemSceneState; children: ReactNode }) {
  if (!item.image || !scene.objects.length) return <>{children}</>;
  return (
    <ScenePhoto
      className="is-static"
      // As tall as the plain photo may be, keeping the boxes on it.
      style={{ maxWidth: `calc(78vh * ${scene.width / scene.height})` }}
      src={item.image.url}
      alt={`${titleOf(item)}, with the products found in it`}
      width={scene.width}
      height={scene.height}
      objects={scene.objects}
      picked={scene.picked}
      onPick={scene.pick}
    />
  );
}

/** A row per stored object: its label and detector score, then the catalogue items like it. */
export function SceneRows({ scene }: { scene: ItemSceneState }) {
  if (scene.unscanned) {
    return (
      <p className="scene-hint">
        Run <code>loupe encode --objects</code> to find the products in this photo.
      </p>
    );
  }
  if (scene.failed) return <p className="scene-hint">Couldn't load the products in this photo: {scene.failed}</p>;
  if (!scene.objects.length) return null;
  return (
    <section className="more-like-this scene-rows" aria-labelledby="scene-title">
      <h2 id="scene-title">In this photo</h2>
      {scene.objects.map((o, i) => {
        const entries = o.items.filter((n) => n.item).map((n) => ({ item: n.item!, score: n.score }));
        return (
          <section key={`${o.label}-${o.box.join(',')}`} id={rowId(i)} className={`scene-row${i === scene.picked ? ' is-picked' : ''}`} aria-label={o.label}>
            <h3>
              <button type="button" className="scene-row-label" aria-pressed={i === scene.picked} onClick={() => scene.pick(i)}>
                {o.label}
              </button>{' '}
              <span className="scene-row-score" title="detector confidence">
                {Math.round(o.score * 100)}%
              </span>
            </h3>
            {entries.length ? (
              <MasonryGrid entries={entries} label={`Items like the ${o.label}`} maxColumns={6} />
            ) : (
              <p className="result-meta">Nothing in the catalogue is close to this {o.label}.</p>
            )}
          </section>
        );
      })}
    </section>
  );
}
