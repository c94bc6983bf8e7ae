import { Link, useRoute } from '../lib/router';
import { LogoMark } from './Icons';
import { LiveButton } from './LivePanel';
import { SearchBar } from './SearchBar';

const NAV = [
  { to: '/', label: 'Discover', match: ['browse', 'item'] },
  { to: '/feed', label: 'For you', match: ['feed'] },
  { to: '/assistant', label: 'Assistant', match: ['assistant'] },
  { to: '/eval', label: 'Evaluation', match: ['eval'] },
  { to: '/report', label: 'Report', match: ['report'] },
  { to: '/quality', label: 'Quality', match: ['quality'] },
] as const;

export function Header({ onImage, liveOpen, onToggleLive }: { onImage: (file: File) => void; liveOpen: boolean; onToggleLive: () => void }) {
  const route = useRoute();
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link to="/" className="brand" aria-label="Loupe home">
          <LogoMark />
          <span className="brand-name">Loupe</span>
        </Link>
        <nav className="mainnav" aria-label="Main">
          <ul>
            {NAV.map((n) => {
              const current = (n.match as readonly string[]).includes(route.name);
              return (
                <li key={n.to}>
                  <Link to={n.to} aria-current={current ? 'page' : undefined} className={current ? 'is-current' : undefined}>
                    {n.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <SearchBar onImage={onImage} />
        <LiveButton open={liveOpen} onToggle={onToggleLive} />
      </div>
    </header>
  );
}
