import { guard } from './guard';

/** Told of each request that ended: initiator, method, raw URL, status (0: network error), ms. */
export type OnRequest = (initiator: string, method: string, url: unknown, status: number, duration: number) => void;

type Fetch = (this: unknown, ...a: Parameters<typeof fetch>) => Promise<Response>;

/**
 * Wraps `fetch` so that `done` hears how each request ended. The page gets the same
 * Response object, the same rejection (the same error object), and the same `this` and
 * arguments reach the browser's fetch; bodies and AbortSignals are not touched. An aborted
 * request is not a failure. rumhouse's own code runs guarded, outside the request's path.
 */
export const wrapFetch = (w: { fetch?: typeof fetch }, done: OnRequest): void => {
  const f = w.fetch as Fetch | undefined;
  if (!f) return;
  w.fetch = function (this: unknown, ...a: Parameters<typeof fetch>): Promise<Response> {
    const p = f.apply(this, a);
    let end: ((status: number) => void) | undefined;
    guard(() => {
      const t = performance.now();
      const req = a[0] instanceof Request ? a[0] : undefined;
      const method = String(a[1]?.method ?? req?.method ?? 'GET').toUpperCase();
      end = (status) => done('fetch', method, req ? req.url : a[0], status, performance.now() - t);
    })();
    // A page's own fetch replacement that returns no promise is passed through as is.
    if (!end || typeof p?.then !== 'function') return p;
    const ended = end;
    return p.then(
      (r) => {
        // An opaque (no-cors) answer has status 0 but did not fail.
        guard(() => r.type.indexOf('opaque') < 0 && ended(r.status))();
        return r;
      },
      (e: unknown) => {
        guard(() => (e as { name?: unknown } | null)?.name !== 'AbortError' && ended(0))();
        throw e;
      },
    );
  };
};

/**
 * Wraps `XMLHttpRequest`'s `open` and `send` (on the prototype, as the page's own objects
 * use them) so that `done` hears how each request ended: listeners are added to the request,
 * nothing on it is changed, and the browser's methods get the same `this` and arguments and
 * give the same results and exceptions. An aborted request is not a failure.
 */
export const wrapXhr = (w: { XMLHttpRequest?: { prototype: unknown } }, done: OnRequest): void => {
  const x = w.XMLHttpRequest?.prototype as unknown as Record<'open' | 'send', (this: XMLHttpRequest, ...a: unknown[]) => unknown> | undefined;
  if (!x) return;
  const opened = new WeakMap<XMLHttpRequest, unknown[]>();
  const open = x.open;
  const send = x.send;
  x.open = function (this: XMLHttpRequest, ...a: unknown[]): unknown {
    guard(() => opened.set(this, a))();
    return open.apply(this, a);
  };
  x.send = function (this: XMLHttpRequest, ...a: unknown[]): unknown {
    guard(() => {
      const o = opened.get(this);
      if (!o) return;
      const t = performance.now();
      let aborted = false;
      const abort = (): boolean => (aborted = true);
      this.addEventListener('abort', abort);
      this.addEventListener(
        'loadend',
        guard(() => {
          this.removeEventListener('abort', abort);
          if (!aborted) done('xhr', String(o[0]).toUpperCase(), o[1], this.status, performance.now() - t);
        }),
        { once: true },
      );
    })();
    return send.apply(this, a);
  };
};
