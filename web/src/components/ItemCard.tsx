import { titleOf, score as fmtScore } from '../lib/format';
import { Link } from 'wouter';
import type { ItemView } from '../lib/types';
import { NoPhoto } from './NoPhoto';

export interface CardEntry {
  item: ItemView;
  /** Similarity score, shown on search and "more like this" results. */
  score?: number;
  /** Why a personalised feed chose this item. */
  why?: string[];
  /** Just arrived through the live feed. */
  fresh?: boolean;
}

export const CAPTION_HEIGHT = 54;
const WHY_LINE = 18;

/** The caption's fixed height, so the masonry can place cards before their images load. */
export function captionHeight(entry: CardEntry): number {
  return CAPTION_HEIGHT + Math.min(entry.why?.length ?? 0, 3) * WHY_LINE;
}

export function ItemCard({ entry, imageHeight, eager }: { entry: CardEntry; imageHeight: number; eager?: boolean }) {
  const { item } = entry;
  const title = titleOf(item);
  const label = item.labels[0];
  return (
    <Link to={`/item/${encodeURIComponent(item.id)}`} className={`card${entry.fresh ? ' card-fresh' : ''}`} data-item-id={item.id}>
      <div className="card-media" style={{ height: imageHeight }}>
        {item.image ? <img src={item.image.thumb} alt={title} loading={eager ? 'eager' : 'lazy'} decoding="async" width={item.image.width} height={item.image.height} /> : <NoPhoto />}
        {entry.score !== undefined && (
          <span className="card-score" title="cosine similarity">
            {fmtScore(entry.score)}
          </span>
        )}
        {entry.fresh && <span className="card-new">New</span>}
      </div>
      <div className="card-caption" style={{ height: captionHeight(entry) }}>
        <span className="card-title">{title}</span>
        {label && item.title?.trim() && <span className="card-label">{item.labels.join(' · ')}</span>}
        {entry.why && entry.why.length > 0 && (
          <ul className="card-why" aria-label="Why this was picked">
            {entry.why.slice(0, 3).map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
      </div>
    </Link>
  );
}
