import { useEffect, useRef } from 'react';
import { Link, matchRoute, useLocation, useRouter } from 'wouter';
import { LogoMark } from './Icons';
import { LiveButton } from './LivePanel';
import { SearchBar } from './SearchBar';

const NAV = [
  { to: '/', label: 'Discover', match: ['/', '/item/:id'] },
  { to: '/feed', label: 'For you', match: ['/feed/:user?'] },
  { to: '/assistant', label: 'Assistant', match: ['/assistant'] },
  { to: '/eval', label: 'Evaluation', match: ['/eval'] },
  { to: '/versions', label: 'Versions', match: ['/versions'] },
  { to: '/report', label: 'Report', match: ['/report'] },
  { to: '/quality', label: 'Quality', match: ['/quality'] },
] as const;

export function Header({ onImage, liveOpen, onToggleLive }: { onImage: (file: File) => void; liveOpen: boolean; onToggleLive: () => void }) {
  const [path] = useLocation();
  const { parser } = useRouter();
  const section = NAV.find((n) => n.match.some((m) => matchRoute(parser, m, path)[0]))?.to;
  const nav = useRef<HTMLElement>(null);
  // On a phone the nav is a sideways-scrolling row: keep the current section's link in view.
  useEffect(() => {
    const el = nav.current;
    const link = el?.querySelector<HTMLElement>('a[aria-current="page"]');
    if (!el || !link || el.scrollWidth <= el.clientWidth) return;
    const left = link.getBoundingClientRect().left - el.getBoundingClientRect().left + el.scrollLeft;
    if (left < el.scrollLeft || left + link.offsetWidth > el.scrollLeft + el.clientWidth) el.scrollLeft = Math.max(0, left - (el.clientWidth - link.offsetWidth) / 2);
  }, [section]);
  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link to="/" className="brand" aria-label="Loupe home">
          <LogoMark />
          <span className="brand-name">Loupe</span>
        </Link>
        <nav className="mainnav" aria-label="Main" ref={nav}>
          <ul>
            {NAV.map((n) => {
              const current = n.to === section;
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
