import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { Link, Route, Switch, useLocation, useSearch, useSearchParams } from 'wouter';
import { DropOverlay } from './components/DropOverlay';
import { Header } from './components/Header';
import { LivePanel } from './components/LivePanel';
import { EmptyState, Spinner } from './components/States';
import { api } from './lib/api';
import { queries } from './lib/queries';
import { decodeParam, useNavigate } from './lib/router';
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
  const health = useQuery(queries.health());
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

function BrowseRoute() {
  const [params] = useSearchParams();
  return <BrowsePage label={params.get('label')} group={params.get('group')} />;
}

function SearchRoute({ image, onPick }: { image: ImageQuery | null; onPick: () => void }) {
  const [params] = useSearchParams();
  return <SearchPage q={params.get('q')} by={params.get('by') === 'image' ? 'image' : 'text'} image={image} onPick={onPick} />;
}

function FeedRoute({ user }: { user: string | undefined }) {
  const [params] = useSearchParams();
  return <FeedPage user={user !== undefined ? decodeParam(user) : params.get('user')} />;
}

export function App() {
  const [path] = useLocation();
  const search = useSearch();
  const navigate = useNavigate();
  const [liveOpen, setLiveOpen] = useState(false);
  const [image, setImage] = useState<ImageQuery | null>(null);
  const ctl = useRef<AbortController | null>(null);
  const main = useRef<HTMLElement>(null);

  const searchByImage = useCallback(
    (file: File) => {
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
    },
    [navigate],
  );
  const pickPhoto = useCallback(() => document.getElementById('image-search-input')?.click(), []);
  const openLive = useCallback(() => setLiveOpen(true), []);

  // Move focus to the new screen so keyboard and screen-reader users land on it.
  const key = `${path}?${search}`;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    if (path === '/') document.title = 'Loupe';
  }, [key, path]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header onImage={searchByImage} liveOpen={liveOpen} onToggleLive={() => setLiveOpen((o) => !o)} />
      <main id="main" ref={main} tabIndex={-1}>
        <Switch>
          <Route path="/">
            <BrowseRoute />
          </Route>
          <Route path="/item/:id">{({ id }) => <ItemPage key={id} id={decodeParam(id)} />}</Route>
          <Route path="/search">
            <SearchRoute image={image} onPick={pickPhoto} />
          </Route>
          <Route path="/feed/:user?">{({ user }) => <FeedRoute user={user} />}</Route>
          <Route path="/assistant">
            <AssistantPage />
          </Route>
          <Route path="/eval">
            <Suspense fallback={<Spinner label="Loading the dashboard" />}>
              <EvalPage />
            </Suspense>
          </Route>
          <Route path="/versions">
            <VersionsPage />
          </Route>
          <Route path="/report">
            <Suspense fallback={<Spinner label="Loading the report" />}>
              <ReportPage />
            </Suspense>
          </Route>
          <Route path="/quality">
            <Suspense fallback={<Spinner label="Loading data quality" />}>
              <QualityPage />
            </Suspense>
          </Route>
          <Route>
            <EmptyState title="Page not found">
              <Link to="/">Back to the catalogue</Link>
            </EmptyState>
          </Route>
        </Switch>
      </main>
      <Footer />
      <LivePanel open={liveOpen} onClose={() => setLiveOpen(false)} onOpen={openLive} />
      <DropOverlay onImage={searchByImage} />
    </div>
  );
}
