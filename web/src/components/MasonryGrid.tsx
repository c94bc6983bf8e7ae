import { useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { captionHeight, ItemCard, type CardEntry } from './ItemCard';

const MIN_COLUMN = 220;

function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w !== undefined) setWidth(Math.round(w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export interface Placed {
  left: number;
  top: number;
  width: number;
  imageHeight: number;
}

/**
 * Places cards in order into the currently shortest column (a Pinterest-style masonry). Sizes come
 * from the known image dimensions, so nothing jumps while thumbnails load, and appending a page
 * never moves the cards already shown. DOM order stays the item order, so Tab follows the grid.
 */
export function layoutMasonry(aspects: number[], captions: number[], width: number, maxColumns = 6): { placed: Placed[]; height: number } {
  const gap = width < 560 ? 10 : 16;
  const cols = Math.max(2, Math.min(maxColumns, Math.floor((width + gap) / (MIN_COLUMN + gap))));
  const colWidth = (width - gap * (cols - 1)) / cols;
  const heights = new Array<number>(cols).fill(0);
  const placed = aspects.map((aspect, i) => {
    let c = 0;
    for (let k = 1; k < cols; k++) if ((heights[k] ?? 0) < (heights[c] ?? 0) - 1) c = k;
    const imageHeight = Math.round(colWidth * Math.min(1.8, Math.max(0.6, aspect)));
    const top = heights[c] ?? 0;
    heights[c] = top + imageHeight + (captions[i] ?? 0) + gap;
    return { left: c * (colWidth + gap), top, width: colWidth, imageHeight };
  });
  return { placed, height: Math.max(0, ...heights) - gap };
}

export function MasonryGrid({ entries, label, maxColumns }: { entries: CardEntry[]; label: string; maxColumns?: number }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const { placed, height } = useMemo(() => {
    const aspects = entries.map((e) => (e.item.image && e.item.image.width > 0 ? e.item.image.height / e.item.image.width : 1));
    return layoutMasonry(aspects, entries.map(captionHeight), width, maxColumns);
  }, [entries, width, maxColumns]);
  return (
    <div ref={ref} className="masonry" role="list" aria-label={label} style={{ height: width ? height : undefined }}>
      {width > 0 &&
        entries.map((entry, i) => {
          const p = placed[i]!;
          return (
            <div key={entry.item.id} role="listitem" className="masonry-cell" style={{ transform: `translate(${p.left}px, ${p.top}px)`, width: p.width }}>
              <ItemCard entry={entry} imageHeight={p.imageHeight} eager={i < 8} />
            </div>
          );
        })}
    </div>
  );
}
