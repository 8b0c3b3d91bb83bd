/**
 * rum.js: measures what real visitors experience and posts it to the rumhouse collector.
 *
 * Configured by attributes of its own `<script>` element (the loader snippet sets them):
 * `data-site` (site key), `data-endpoint` (default: `/v1/beacon` next to rum.js),
 * `data-sample` (0..1, per session), `data-consent="required"` (send nothing until
 * `rumhouse('consent', true)`), `data-respect-gpc` (send nothing when the browser signals
 * Global Privacy Control). Calls made before it loaded wait in `rumhouse.q`.
 */
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals/attribution';
import { context } from './context';
import { guard } from './guard';
import { keepSession, session } from './ids';
import { toMetric } from './metrics';
import { navTiming, navType } from './nav';
import { PageView } from './pageview';
import { send } from './transport';

type Api = ((command: string, a?: unknown, b?: unknown) => void) & { q?: ArrayLike<unknown>[] };
type Host = Window & { rumhouse?: Api; fetch?: typeof fetch };

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
  const endpoint = cfg.endpoint ?? new URL('/v1/beacon', script?.src ?? location.href).href;
  const rate = Number(cfg.sample ?? 1);
  const gpc = cfg.respectGpc != null && cfg.respectGpc !== 'false' && (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  let consent = cfg.consent !== 'required';
  const entry = (): PerformanceNavigationTiming | undefined =>
    performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  // The session id is read from sessionStorage when the first beacon is built, not on load:
  // chromium's first sessionStorage access in a page costs several milliseconds of main
  // thread (most of rum.js's load cost). It is dated from the load, as if read then.
  const loadedAt = Date.now();
  let sid: string | undefined;
  const sessionId = (): string => (sid ??= session(storage(), loadedAt));
  // Sample whole sessions: the session id's last random characters decide.
  const sampled = (): boolean => keepSession(sessionId(), rate);
  let view = new PageView(cfg.site ?? 'default', sessionId, navType(entry()));
  let restored = false;

  const api: Api = guard((command: string, a?: unknown, b?: unknown) => {
    if (command === 'page') view.page(a);
    else if (command === 'set') view.set(a, b);
    else if (command === 'event') view.event(a, b);
    else if (command === 'consent') consent = a === true;
  });
  const queued = w.rumhouse?.q ?? [];
  w.rumhouse = api;
  for (const args of Array.from(queued)) api(...(Array.from(args) as [string, unknown, unknown]));

  const report = guard((m: Parameters<Parameters<typeof onLCP>[0]>[0]) => view.metric(toMetric(m)));
  for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) (on as typeof onLCP)(report);

  w.addEventListener('error', guard((e: ErrorEvent) => view.errors.add('error', e.error, e.message, e.filename, e.lineno, e.colno)));
  w.addEventListener('unhandledrejection', guard((e: PromiseRejectionEvent) => view.errors.add('unhandledrejection', e.reason)));

  const flush = guard(() => {
    if (gpc || !consent || !sampled()) return;
    const referrer = d.referrer.split('/').slice(0, 3).join('/');
    const url = location.origin + location.pathname;
    const body = view.payload(url, referrer, context(w), restored ? undefined : navTiming(entry()));
    if (body) send(endpoint, body, { sendBeacon: navigator.sendBeacon?.bind(navigator), fetch: w.fetch?.bind(w) });
  });
  // Registered after web-vitals' own (capturing) listeners, so the final values are in.
  d.addEventListener('visibilitychange', guard(() => d.visibilityState === 'hidden' && flush()));
  w.addEventListener('pagehide', flush);
  // A page restored from the back/forward cache is a new page view; web-vitals re-reports.
  w.addEventListener('pageshow', guard((e: PageTransitionEvent) => {
    if (!e.persisted) return;
    restored = true;
    const restoredAt = Date.now();
    let restoredSid: string | undefined;
    view = new PageView(view._site, () => (restoredSid ??= session(storage(), restoredAt)), 'back_forward_cache', e.timeStamp);
  }));
};

guard(start)(window, document);
