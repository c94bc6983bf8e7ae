import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../lib/api';
import { pct } from '../lib/format';
import { Link } from 'wouter';
import { href } from '../lib/router';
import { queries } from '../lib/queries';
import { CheckIcon } from './Icons';
import { Spinner } from './States';

/** Tag suggestions from a trained tagger (`/api/items/:id/tags`); hidden where the server has no such route. */
export function SuggestedTags({ itemId, labels }: { itemId: string; labels: string[] }) {
  const res = useQuery(queries.tags(itemId));
  if (res.error instanceof ApiError && res.error.missingRoute) return null;
  const tags = [...(res.data?.tags ?? [])].sort((a, b) => b.probability - a.probability).slice(0, 8);
  return (
    <section className="detail-block" aria-labelledby="tags-title">
      <h2 id="tags-title">
        Suggested tags
        {res.data?.version && <span className="muted-inline"> · {res.data.version}</span>}
      </h2>
      {res.isPending ? (
        <Spinner label="Loading tag suggestions" />
      ) : res.error ? (
        <p className="muted">Tag suggestions need a trained version with a tagging head ({res.error instanceof Error ? res.error.message : 'unavailable'}).</p>
      ) : tags.length === 0 ? (
        <p className="muted">No confident suggestions for this item.</p>
      ) : (
        <ul className="tag-list">
          {tags.map((t) => (
            <li key={t.label}>
              <Link to={href('/', { label: t.label })} className="tag-row">
                <span className="tag-name">
                  {labels.includes(t.label) && (
                    <span className="tag-known" title="already a label">
                      <CheckIcon size={12} />
                    </span>
                  )}
                  {t.label}
                </span>
                <span className="tag-bar" aria-hidden="true">
                  <span style={{ width: pct(Math.max(0, Math.min(1, t.probability))) }} />
                </span>
                <span className="tag-prob">{pct(t.probability)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
