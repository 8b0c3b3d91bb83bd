/** The parts of `navigator` and `fetch` the transport uses, so tests can supply fakes. */
export interface Senders {
  sendBeacon?: (url: string, body: string) => boolean;
  fetch?: (url: string, init: RequestInit) => Promise<unknown>;
}

/**
 * Posts `body` to `url` as text/plain (a CORS-safelisted type: no preflight) with
 * `sendBeacon`, which survives the page unloading. When `sendBeacon` is missing or refuses
 * (the browser's queue is full), falls back to `fetch` with `keepalive`.
 */
export const send = (url: string, body: string, s: Senders): boolean => {
  try {
    if (s.sendBeacon?.(url, body)) return true;
  } catch {
    // Some browsers throw on sendBeacon to a blocked URL: try fetch.
  }
  if (!s.fetch) return false;
  s.fetch(url, {
    method: 'POST',
    body,
    keepalive: true,
    mode: 'cors',
    credentials: 'omit',
    headers: { 'Content-Type': 'text/plain' },
  }).catch(() => undefined);
  return true;
};
