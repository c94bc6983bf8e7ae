import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { DropOverlay } from './components/DropOverlay';
import { Header } from './components/Header';
import { LivePanel } from './components/LivePanel';
import { EmptyState, Spinner } from './components/States';
import { api } from './lib/api';
import { useLive } from './lib/live';
import { Link, navigate, useRoute } from './lib/router';
import { useAsync } from './lib/useAsync';
import { AssistantPage } from './pages/AssistantPage';
import { BrowsePage } from './pages/BrowsePage';
import { FeedPage } from './pages/FeedPage';
import { ItemPage } from './pages/ItemPage';
import { SEARCH_K, SearchPage, type ImageQuery } from './pages/SearchPage';
import { VersionsPage } from './pages/VersionsPage';

// Charts are heavy and only the dashboard needs them: load that screen on demand.
const EvalPage = lazy(() => import('./pages/EvalPage').then((m) => ({ default: m.EvalPage })));
const ReportPage = lazy(() => import('./pages/ReportPage').then((m) => ({ default: m.ReportPage })));
const QualityPage = lazy(() => import('./pages/QualityPage').then((m) => ({ default: m.QualityPage })));

function Footer() {
  const live = useLive();
  const health = useAsync((s) => api.health(s), [live.dataVersion]);
  return (
    <footer className="footer">
      <span>Loupe · self-hosted visual discovery</span>
      {health.data && (
        <span>
          {health.data.items.toLocaleString()} items · serving <strong>{health.data.version}</strong> · {health.data.db}
        </span>
      )}
    </footer>
  );
}

export function App() {
  const route = useRoute();
  const [liveOpen, setLiveOpen] = useState(false);
  const [image, setImage] = useState<ImageQuery | null>(null);
  const ctl = useRef<AbortController | null>(null);
  const main = useRef<HTMLElement>(null);

  const searchByImage = useCallback((file: File) => {
    ctl.current?.abort();
    const abort = new AbortController();
    ctl.current = abort;
    const previewUrl = URL.createObjectURL(file);
    setImage((prev) => {
      if (prev) URL.revokeObjectURL(prev.previewUrl);
      return { name: file.name || 'photo', previewUrl, file, loading: true };
    });
    navigate('/search?by=image');
    api.imageSearch(file, SEARCH_K, abort.signal).then(
      (result) => !abort.signal.aborted && setImage((q) => (q && q.previewUrl === previewUrl ? { ...q, loading: false, result } : q)),
      (error: unknown) => !abort.signal.aborted && setImage((q) => (q && q.previewUrl === previewUrl ? { ...q, loading: false, error } : q)),
    );
  }, []);
  const pickPhoto = useCallback(() => document.getElementById('image-search-input')?.click(), []);
  const openLive = useCallback(() => setLiveOpen(true), []);

  // Move focus to the new screen so keyboard and screen-reader users land on it.
  const key = JSON.stringify(route);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    if (route.name === 'browse') document.title = 'Loupe';
  }, [key, route.name]);

  let page;
  switch (route.name) {
    case 'browse':
      page = <BrowsePage key="browse" label={route.label} group={route.group} />;
      break;
    case 'item':
      page = <ItemPage key={route.id} id={route.id} />;
      break;
    case 'search':
      page = <SearchPage q={route.q} by={route.by} image={image} onPick={pickPhoto} />;
      break;
    case 'feed':
      page = <FeedPage user={route.user} />;
      break;
    case 'assistant':
      page = <AssistantPage />;
      break;
    case 'eval':
      page = (
        <Suspense fallback={<Spinner label="Loading the dashboard" />}>
          <EvalPage />
        </Suspense>
      );
      break;
    case 'versions':
      page = <VersionsPage />;
      break;
    case 'report':
      page = (
        <Suspense fallback={<Spinner label="Loading the report" />}>
          <ReportPage />
        </Suspense>
      );
      break;
    case 'quality':
      page = (
        <Suspense fallback={<Spinner label="Loading data quality" />}>
          <QualityPage />
        </Suspense>
      );
      break;
    default:
      page = (
        <EmptyState title="Page not found">
          <Link to="/">Back to the catalogue</Link>
        </EmptyState>
      );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header onImage={searchByImage} liveOpen={liveOpen} onToggleLive={() => setLiveOpen((o) => !o)} />
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
      <Footer />
      <LivePanel open={liveOpen} onClose={() => setLiveOpen(false)} onOpen={openLive} />
      <DropOverlay onImage={searchByImage} />
    </div>
  );
}
