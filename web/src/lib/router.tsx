import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/** A tiny history-API router: the server falls back to index.html for any unknown path. */
export type Route =
  | { name: 'browse'; label: string | null; group: string | null }
  | { name: 'item'; id: string }
  | { name: 'search'; q: string | null; by: 'text' | 'image' }
  | { name: 'feed'; user: string | null }
  | { name: 'eval' }
  | { name: 'report' }
  | { name: 'quality' }
  | { name: 'versions' }
  | { name: 'assistant' }
  | { name: 'notfound'; path: string };

const NAV_EVENT = 'loupe:navigate';

export function parseRoute(pathname: string, search: string): Route {
  const q = new URLSearchParams(search);
  const parts = pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  const [head, arg] = parts;
  if (!head) return { name: 'browse', label: q.get('label'), group: q.get('group') };
  if (head === 'item' && arg) return { name: 'item', id: arg };
  if (head === 'search') return { name: 'search', q: q.get('q'), by: q.get('by') === 'image' ? 'image' : 'text' };
  if (head === 'feed') return { name: 'feed', user: arg ?? q.get('user') };
  if (head === 'eval') return { name: 'eval' };
  if (head === 'report') return { name: 'report' };
  if (head === 'quality') return { name: 'quality' };
  if (head === 'versions') return { name: 'versions' };
  if (head === 'assistant') return { name: 'assistant' };
  return { name: 'notfound', path: pathname };
}

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(NAV_EVENT, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(NAV_EVENT, fn);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function useLocationKey(): string {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

export function useRoute(): Route {
  useLocationKey();
  return parseRoute(window.location.pathname, window.location.search);
}

let inAppEntries = 0;

/** Back to the previous screen when there is one in this app, else home. */
export function goBack(): void {
  if (inAppEntries > 0) {
    inAppEntries -= 1;
    window.history.back();
  } else navigate('/');
}

export function navigate(to: string, opts: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (to === snapshot() && !opts.replace) return;
  if (!opts.replace) inAppEntries += 1;
  // Remember where the reader was, so Back lands on the same spot of a long grid.
  window.history.replaceState({ ...(window.history.state as object | null), scrollY: window.scrollY }, '');
  if (opts.replace) window.history.replaceState({ scrollY: 0 }, '', to);
  else window.history.pushState({ scrollY: 0 }, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
  if (!opts.keepScroll) window.scrollTo({ top: 0 });
}

export function savedScroll(): number {
  const s = window.history.state as { scrollY?: number } | null;
  return typeof s?.scrollY === 'number' ? s.scrollY : 0;
}

export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode };

/** A real link (middle-click and copy work) that navigates in place on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
