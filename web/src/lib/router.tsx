import { useCallback, type ReactNode } from 'react';
import { Router, useLocation, type AroundNavHandler, type BaseLocationHook } from 'wouter';
import { useBrowserLocation, useSearch as useBrowserSearch } from 'wouter/use-browser-location';

/*
 * Routing is wouter's (history API; the server answers any unknown path with index.html). What is
 * here is the app's own policy around it, which wouter leaves to the app: where Back lands, and the
 * scroll position it comes back to.
 */

// wouter decodes the path and query with decodeURI, which turns %25 into a bare % (and leaves
// / ? & = + escaped): keep %25 escaped so ids and queries holding a literal % decode once, exactly.
const keepPercent = (s: string) => s.replace(/%25/gi, '%2525');
const useLocationHook: BaseLocationHook = () => {
  const [path, navigate] = useBrowserLocation();
  return [keepPercent(path), navigate];
};
const useSearchHook = () => keepPercent(useBrowserSearch());

/** A path parameter as it was before encodeURIComponent (a malformed one as typed). */
export function decodeParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface NavState {
  scrollY?: number;
  keepScroll?: boolean;
}

let inAppEntries = 0;

const aroundNav: AroundNavHandler = (navigate, to, opts = {}) => {
  const here = window.location.pathname + window.location.search;
  if (to === here && !opts.replace) return;
  if (!opts.replace) inAppEntries += 1;
  // Remember where the reader was, so Back lands on the same spot of a long grid.
  window.history.replaceState({ ...(window.history.state as object | null), scrollY: window.scrollY }, '');
  navigate(to, { replace: opts.replace ?? false, state: { scrollY: 0 } });
  if (!(opts.state as NavState | undefined)?.keepScroll) window.scrollTo({ top: 0 });
};

export function AppRouter({ children }: { children: ReactNode }) {
  return (
    <Router hook={useLocationHook} searchHook={useSearchHook} aroundNav={aroundNav}>
      {children}
    </Router>
  );
}

/** Navigates in place; `keepScroll` leaves the page where it is (a picker that swaps the content below it). */
export function useNavigate(): (to: string, opts?: { replace?: boolean; keepScroll?: boolean }) => void {
  const [, navigate] = useLocation();
  return useCallback((to, opts = {}) => navigate(to, { replace: opts.replace ?? false, state: { keepScroll: opts.keepScroll ?? false } }), [navigate]);
}

/** Back to the previous screen when there is one in this app, else home. */
export function useGoBack(): () => void {
  const navigate = useNavigate();
  return useCallback(() => {
    if (inAppEntries > 0) {
      inAppEntries -= 1;
      window.history.back();
    } else navigate('/');
  }, [navigate]);
}

export function savedScroll(): number {
  const s = window.history.state as NavState | null;
  return typeof s?.scrollY === 'number' ? s.scrollY : 0;
}

export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}
