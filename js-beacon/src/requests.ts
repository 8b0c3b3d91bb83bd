import { guard } from './guard';

/**
 * Told of each request that ended: initiator, method, raw URL, status (0: network error) and
 * `performance.now()` when it started. Called guarded.
 */
export type OnRequest = (initiator: string, method: unknown, url: unknown, status: number, start: number) => void;

type Fetch = (this: unknown, ...a: Parameters<typeof fetch>) => Promise<Response>;

/**
 * Wraps `fetch` so that `done` hears how each request ended. The page gets the same
 * Response object, the same rejection (the same error object), and the same `this` and
 * arguments reach the browser's fetch; bodies and AbortSignals are not touched. An aborted
 * request is not a failure, nor an opaque (no-cors) answer, whose status reads 0.
 */
export const wrapFetch = (w: { fetch?: typeof fetch }, done: OnRequest): void => {
  const f = w.fetch as Fetch | undefined;
  if (!f) return;
  w.fetch = function (this: unknown, ...a: Parameters<typeof fetch>): Promise<Response> {
    const p = f.apply(this, a);
    const t = performance.now();
    const end = guard((r?: Response, e?: { name?: unknown }) => {
      const req = a[0] instanceof Request ? a[0] : undefined;
      if (e?.name !== 'AbortError' && r?.type[0] !== 'o') done('fetch', a[1]?.method ?? req?.method ?? 'GET', req ? req.url : a[0], r ? r.status : 0, t);
    });
    // A page's own fetch replacement that returns no promise is passed through as is.
    return typeof p?.then === 'function'
      ? p.then(
          (r) => (end(r), r),
          (e: unknown) => {
            end(undefined, e as object);
            throw e;
          },
        )
      : p;
  };
};

type Method = (this: XMLHttpRequest, ...a: unknown[]) => unknown;

/**
 * Wraps `XMLHttpRequest`'s `open` and `send` (on the prototype, which the page's requests
 * use) so that `done` hears how each request ended: listeners are added to the request,
 * nothing on it is changed, and the browser's methods get the same `this` and arguments and
 * give the same results and exceptions. An aborted request is not a failure.
 */
export const wrapXhr = (w: { XMLHttpRequest?: { prototype: unknown } }, done: OnRequest): void => {
  const x = w.XMLHttpRequest?.prototype as Record<'open' | 'send', Method> | undefined;
  if (!x) return;
  const opened = new WeakMap<XMLHttpRequest, unknown[]>();
  const { open, send } = x;
  x.open = function (...a) {
    guard(() => opened.set(this, a))();
    return open.apply(this, a);
  };
  x.send = function (...a) {
    guard(() => {
      const o = opened.get(this);
      const t = performance.now();
      let aborted = false;
      if (!o) return;
      this.addEventListener('abort', () => (aborted = true), { once: true });
      this.addEventListener('loadend', () => aborted || done('xhr', o[0], o[1], this.status, t), { once: true });
    })();
    return send.apply(this, a);
  };
};
