/**
 * The loader snippet: defines `rumhouse(...)` as a queue at once, then loads rum.js without
 * blocking the page. The collector substitutes the two placeholder strings (see /snippet).
 */
((w: Window & { rumhouse?: { (...a: unknown[]): void; q?: unknown[] } }, d: Document, src: string, site: string) => {
  const q: unknown[] = [];
  w.rumhouse =
    w.rumhouse ||
    Object.assign(function () {
      // eslint-disable-next-line prefer-rest-params
      q.push(arguments);
    }, { q });
  const s = d.createElement('script');
  s.async = true;
  s.src = src;
  s.dataset.site = site;
  (d.head || d.documentElement).appendChild(s);
})(window, document, '__RUM_SRC__', '__RUM_SITE__');
