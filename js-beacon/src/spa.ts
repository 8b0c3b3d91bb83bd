import { guard } from './guard';

/**
 * What identifies a route, by the site's `data-routes` choice: the path (the default), the
 * path and query (`query`), or the path, query and fragment (`hash`).
 */
export const routeKey = (l: { pathname: string; search: string; hash: string }, mode?: string): string =>
  mode === 'hash' ? l.pathname + l.search + l.hash : mode === 'query' ? l.pathname + l.search : l.pathname;

type HistoryMethod = (this: History, ...a: unknown[]) => void;

/**
 * Calls `change` after each client-side route change: `history.pushState` or
 * `replaceState` that changes the route key, and `popstate` (fragment changes too) that does. The
 * wrapped methods give the page the same result, `this` and exceptions as the browser's
 * (`change` runs guarded, after them).
 */
export const watchRoutes = (w: Window, mode: string | undefined, change: () => void): void => {
  let key = routeKey(w.location, mode);
  const check = guard(() => {
    const k = routeKey(w.location, mode);
    if (k === key) return;
    key = k;
    change();
  });
  const h = w.history as unknown as Record<string, HistoryMethod>;
  for (const name of ['pushState', 'replaceState']) {
    const orig = h[name];
    h[name] = function (this: History, ...a: unknown[]): void {
      const r = orig.apply(this, a);
      check();
      return r;
    };
  }
  w.addEventListener('popstate', check);
};
