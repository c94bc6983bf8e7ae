import { useEffect, useRef } from 'react';
import { Spinner } from './States';

/** Calls `onMore` as the end of the grid nears; a button does the same for keyboards and old browsers. */
export function InfiniteSentinel({ hasMore, loading, onMore, total }: { hasMore: boolean; loading: boolean; onMore: () => void; total: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const cb = useRef(onMore);
  cb.current = onMore;
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasMore || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && cb.current(), { rootMargin: '900px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loading]);

  return (
    <div ref={ref} className="sentinel">
      {loading ? (
        <Spinner label="Loading more" />
      ) : hasMore ? (
        <button type="button" className="btn btn-secondary" onClick={onMore}>
          Load more
        </button>
      ) : total > 0 ? (
        <p className="end-note">That's all {total.toLocaleString()} items.</p>
      ) : null}
    </div>
  );
}
