import { Link } from 'wouter';
import { href } from '../lib/router';
import type { Stats } from '../lib/types';
import { CloseIcon } from './Icons';

/** Label chips from /api/stats, plus the active group filter (set from an item's page). */
export function FilterBar({ stats, label, group }: { stats: Stats | undefined; label: string | null; group: string | null }) {
  const labels = stats?.labels ?? [];
  return (
    <nav className="filters" aria-label="Filter by label">
      <ul className="chips">
        <li>
          <Link to={href('/', { group })} className={`chip${label ? '' : ' is-active'}`} aria-current={label ? undefined : 'page'}>
            All{stats ? <span className="chip-count">{stats.items.toLocaleString()}</span> : null}
          </Link>
        </li>
        {labels.map((l) => (
          <li key={l.label}>
            <Link to={href('/', { label: l.label, group })} className={`chip${label === l.label ? ' is-active' : ''}`} aria-current={label === l.label ? 'page' : undefined}>
              {l.label}
              <span className="chip-count">{l.count.toLocaleString()}</span>
            </Link>
          </li>
        ))}
        {label && !labels.some((l) => l.label === label) && (
          <li>
            <span className="chip is-active">{label}</span>
          </li>
        )}
      </ul>
      {group && (
        <div className="active-filter">
          Group <strong>{group}</strong>
          <Link to={href('/', { label })} className="chip-clear" aria-label={`Remove group filter ${group}`}>
            <CloseIcon size={14} />
          </Link>
        </div>
      )}
    </nav>
  );
}
