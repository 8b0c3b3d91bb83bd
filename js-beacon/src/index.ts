/**
 * rum.js: measures what real visitors experience and posts it to the rumhouse collector.
 *
 * Configured by attributes of its own `<script>` element (the loader snippet sets them):
 * `data-site` (site key), `data-endpoint` (default: `/v1/beacon` next to rum.js),
 * `data-sample` (0..1, per session), `data-consent="required"` (send nothing until
 * `rumhouse('consent', true)`), `data-respect-gpc` (send nothing when the browser signals
 * Global Privacy Control), `data-routes` (what makes a client-side route change a new page
 * view: `path`, the default, `query` or `hash`). Calls made before it loaded wait in
 * `rumhouse.q`.
 */
import type { MetricWithAttribution } from 'web-vitals/attribution';
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals/attribution';
import { context } from './context';
import { failedElement } from './failures';
import { guard } from './guard';
import { keepSession, session } from './ids';
import { Shifts, type EventEntry, type Shift } from './interaction';
import { LoafLog, type Frame } from './loaf';
import { toMetric } from './metrics';
import { navTiming, navType } from './nav';
import { observe } from './observe';
import { PageView } from './pageview';
import { wrapFetch, wrapXhr } from './requests';
import { watchRoutes } from './spa';
import { send } from './transport';
import { clean } from './url';

type Api = ((command: string, a?: unknown, b?: unknown) => void) & { q?: ArrayLike<unknown>[] };
type Host = Window & { rumhouse?: Api; fetch?: typeof fetch; XMLHttpRequest?: { prototype: unknown } };

/** Page views kept for late metrics (web-vitals reports a route's LCP after it ended). */
const KEPT_VIEWS = 10;

const storage = (): Storage | undefined => {
  try {
    return sessionStorage;
  } catch {
    return undefined; // access throws in sandboxed frames
  }
};

const start = (w: Host, d: Document): void => {
  const script = d.currentScript as HTMLScriptElement | null;
  const cfg = script?.dataset ?? {};
  const site = cfg.site ?? 'default';
  const endpoint = cfg.endpoint ?? new URL('/v1/beacon', script?.src ?? location.href).href;
  const rate = Number(cfg.sample ?? 1);
  const gpc = cfg.respectGpc != null && cfg.respectGpc !== 'false' && (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  let consent = cfg.consent !== 'required';
  const senders = { sendBeacon: navigator.sendBeacon?.bind(navigator), fetch: w.fetch?.bind(w) };
  const entry = (): PerformanceNavigationTiming | undefined =>
    performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  // The session id is read from sessionStorage when the first beacon is built, not on load:
  // chromium's first sessionStorage access in a page costs several milliseconds of main
  // thread (most of rum.js's load cost). It is dated from the load (or restore), as if read then.
  const lazySession = (at: number): (() => string) => {
    let sid: string | undefined;
    return () => (sid ??= session(storage(), at));
  };
  const sessionId = lazySession(Date.now());
  // Sample whole sessions: the session id's last random characters decide.
  const sampled = (): boolean => keepSession(sessionId(), rate);
  // The page URL goes with its query string (not its fragment): the collector keeps the
  // parameters of its url_query_allowlist (utm_*) and drops the rest before storing it.
  const here = (): string => location.href.split('#')[0];

  // The page views: `view` is current; `base` is the one metrics of the document's own
  // navigation (not a soft navigation) belong to: the landing, or a back/forward restore.
  const landing = new PageView(site, sessionId, navType(entry()), 0, here());
  const views: PageView[] = [];
  let view = landing;
  let base = landing;
  /** The page view that was current at `t` (a `performance.now()` time). */
  const at = (t: number): PageView | undefined => {
    for (let i = views.length; i--; ) if (views[i]._start <= t) return views[i];
    return undefined;
  };

  const api: Api = guard((command: string, a?: unknown, b?: unknown) => {
    if (command === 'page') view.page(a);
    else if (command === 'set') view.set(a, b);
    else if (command === 'event') view.event(a, b);
    else if (command === 'consent') consent = a === true;
  });
  const queued = w.rumhouse?.q ?? [];
  w.rumhouse = api;
  for (const args of Array.from(queued)) api(...(Array.from(args) as [string, unknown, unknown]));

  // web-vitals names the navigation each metric belongs to: the document's, or a soft
  // navigation (a route change the browser saw), bound here to the route's page view by URL.
  const owner = (m: MetricWithAttribution): PageView | undefined => {
    if (m.navigationType === 'soft-navigation') {
      for (let i = views.length; i--; ) {
        const v = views[i];
        if (v._nav === m.navigationId) return v;
        if (v._nav == null && v._navType === m.navigationType && clean(v._url) === clean(m.navigationURL)) return (v._nav = m.navigationId), v;
      }
      return undefined;
    }
    // Where the browser saw no soft navigation, web-vitals' INP and CLS go on across routes:
    // those that began after the page view ended are a later route's (its own span counts).
    const t = m.entries[0]?.startTime ?? 0;
    return /INP|CLS/.test(m.name) && t >= base._end ? undefined : base;
  };
  const report = guard((m: MetricWithAttribution) => owner(m)?.metric(toMetric(m)));
  // Soft navigations for all but TTFB: web-vitals gives a route a placeholder 0 (no request).
  for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) (on as typeof onLCP)(report, { reportSoftNavs: on !== onTTFB });

  w.addEventListener('unhandledrejection', guard((e: PromiseRejectionEvent) => view._errors.add('unhandledrejection', e.reason)));

  // Failed requests and resources, never the beacon's own.
  const own = clean(endpoint);
  // (A resource has no start: its duration is NaN, sent as null.)
  const fail = guard((v: PageView | undefined, kind: string, initiator: string, method: unknown, raw: unknown, status: number, start: number = NaN): void => {
    const url = clean(raw);
    if (url && url !== own && (status === 0 || status >= 400)) v?._failures.add(kind, initiator, String(method).toUpperCase(), url, status, performance.now() - start);
  });
  const request = (initiator: string, method: unknown, url: unknown, status: number, start: number): void =>
    fail(at(start), 'request', initiator, method, url, status, start);
  wrapFetch(w, request);
  wrapXhr(w, request);
  // Script errors reach window itself; failed loads of elements (which do not bubble) are seen
  // in the capture phase, with the status Resource Timing gives where it is 400 and above
  // (else 0: the load failed, or what came was not usable, such as an image that does not decode).
  w.addEventListener('error', guard((e: ErrorEvent) => {
    const f = failedElement(e.target);
    const status = f && (performance.getEntriesByName(f[1]).pop() as { responseStatus?: number } | undefined)?.responseStatus;
    if (!f) view._errors.add('error', e.error, e.message, e.filename, e.lineno, e.colno);
    else fail(view, 'resource', f[0], '', f[1], (status as number) >= 400 ? (status as number) : 0);
  }), true);

  const shifts = observe<Shift & PerformanceEntry>('layout-shift', (l) => l.forEach((e) => at(e.startTime)?._shifts?.add(e)));
  const frames = observe<Frame & PerformanceEntry>('long-animation-frame', (l) => l.forEach((e) => at(e.startTime)?._loaf?.add(e)));
  const drains = [
    shifts,
    frames,
    observe<EventEntry & PerformanceEntry>('event', (l) => l.forEach((e) => at(e.startTime)?._inter.add(e)), { durationThreshold: 16 }),
  ];
  const open = (v: PageView): void => {
    if (shifts) v._shifts = new Shifts();
    if (frames) v._loaf = new LoafLog();
    if (views.push(v) > KEPT_VIEWS) views.shift();
    view = v;
  };
  open(landing);

  const flush = (v: PageView): void => {
    if (gpc || !consent || !sampled()) return;
    const referrer = v._navType === 'soft-navigation' ? location.origin : d.referrer.split('/').slice(0, 3).join('/');
    const body = v.payload(v._url, referrer, context(w), v === landing ? navTiming(entry()) : undefined);
    if (body) send(endpoint, body, senders);
  };
  const drain = (): void => drains.forEach((take) => take?.());
  const flushAll = guard(() => {
    drain();
    views.forEach(flush);
  });
  // Registered after web-vitals' own (capturing) listeners, so the final values are in.
  d.addEventListener('visibilitychange', guard(() => d.visibilityState === 'hidden' && flushAll()));
  w.addEventListener('pagehide', flushAll);
  // A page restored from the back/forward cache is a new page view; web-vitals re-reports.
  w.addEventListener('pageshow', guard((e: PageTransitionEvent) => {
    if (!e.persisted) return;
    view._end = e.timeStamp;
    open((base = new PageView(site, lazySession(Date.now()), 'back_forward_cache', e.timeStamp, here())));
  }));
  // A client-side route change ends the page view (sent now, with its own URL) and starts one.
  watchRoutes(w, cfg.routes, () => {
    drain();
    const now = performance.now();
    const ended = view;
    ended._end = now;
    flush(ended);
    open(new PageView(site, sessionId, 'soft-navigation', now, here()));
    Object.assign(view._dims, ended._dims);
  });
};

guard(start)(window, document);
