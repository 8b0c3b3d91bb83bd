/**
 * The loader snippet: defines `rumhouse(...)` as a queue at once, then loads rum.js without
 * blocking the page. The collector substitutes the placeholder strings (see /snippet): the
 * script's URL, the site key, where to send beacons (a first-party path behind the site's own
 * proxy dodges ad blockers), the share of sessions to sample, and the site's privacy asks
 * ("gpc": honour Global Privacy Control; "consent": wait for rumhouse('consent', true)).
 */
((
  w: Window & { rumhouse?: { (...a: unknown[]): void; q?: unknown[] } },
  d: Document,
  src: string,
  site: string,
  endpoint: string,
  sample: string,
  privacy: string,
) => {
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
  s.dataset.endpoint = endpoint;
  s.dataset.sample = sample;
  if (privacy.indexOf('gpc') >= 0) s.dataset.respectGpc = '';
  if (privacy.indexOf('consent') >= 0) s.dataset.consent = 'required';
  (d.head || d.documentElement).appendChild(s);
})(window, document, '__RUM_SRC__', '__RUM_SITE__', '__RUM_ENDPOINT__', '__RUM_SAMPLE__', '__RUM_PRIVACY__');
