import type { NavTiming } from './payload';

const ms = (n: number): number => Math.max(0, Math.round(n * 10) / 10);

/**
 * The navigation timing breakdown of the document request, relative to the navigation
 * start (or to activation, for a prerendered page, so it matches web-vitals' TTFB).
 * Phases that have not happened yet (load, before `load` fires) are left out.
 */
export const navTiming = (e: PerformanceNavigationTiming | undefined): NavTiming | undefined => {
  if (!e) return undefined;
  const start = (e as { activationStart?: number }).activationStart ?? 0;
  const at = (t: number): number | undefined => (t > 0 ? ms(t - start) : undefined);
  return {
    redirect: ms(e.redirectEnd - e.redirectStart),
    dns: ms(e.domainLookupEnd - e.domainLookupStart),
    connect: ms(e.connectEnd - e.connectStart),
    tls: e.secureConnectionStart > 0 ? ms(e.connectEnd - e.secureConnectionStart) : 0,
    ttfb: at(e.responseStart),
    request: ms(e.responseStart - e.requestStart),
    response: ms(e.responseEnd - e.responseStart),
    dom_interactive: at(e.domInteractive),
    dom_content_loaded: at(e.domContentLoadedEventStart),
    load: at(e.loadEventStart),
    transfer_size: e.transferSize,
    encoded_body_size: e.encodedBodySize,
    decoded_body_size: e.decodedBodySize,
    protocol: e.nextHopProtocol || undefined,
  };
};

/** navigate, reload, back_forward or prerender, as Navigation Timing names them. */
export const navType = (e: PerformanceNavigationTiming | undefined): string =>
  (document as { prerendering?: boolean }).prerendering ||
  ((e as { activationStart?: number } | undefined)?.activationStart ?? 0) > 0
    ? 'prerender'
    : (e?.type ?? 'navigate');
