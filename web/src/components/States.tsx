import type { ReactNode } from 'react';
import { errorMessage } from '../lib/api';
import { AlertIcon, ImageIcon } from './Icons';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="spinner-ring" aria-hidden="true" />
      <span className="visually-hidden">{label}…</span>
    </span>
  );
}

export function EmptyState({ title, children, icon }: { title: string; children?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="empty-state">
      <div className="empty-icon">{icon ?? <ImageIcon />}</div>
      <h2>{title}</h2>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

export function ErrorState({ error, onRetry, title = 'Something went wrong', retryLabel = 'Try again' }: { error: unknown; onRetry?: () => void; title?: string; retryLabel?: string }) {
  return (
    <div className="error-state" role="alert">
      <AlertIcon size={20} />
      <div>
        <strong>{title}</strong>
        <p>{errorMessage(error)}</p>
      </div>
      {onRetry && (
        <button type="button" className="btn btn-secondary" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}

/** Grey placeholder cards in a masonry rhythm while the first page loads. */
export function SkeletonGrid({ count = 12 }: { count?: number }) {
  const heights = [220, 300, 260, 340, 240, 280, 320, 230, 290, 250, 310, 270];
  return (
    <div className="skeleton-grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="skeleton-card" style={{ height: heights[i % heights.length] }} />
      ))}
    </div>
  );
}
