import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wrapFetch, wrapXhr } from '../src/requests';
import { routeKey, watchRoutes } from '../src/spa';

type Heard = [string, unknown, unknown, number];
const listen = (): [Heard[], (i: string, m: unknown, u: unknown, s: number, t: number) => void] => {
  const heard: Heard[] = [];
  return [heard, (i, m, u, s, t) => {
    assert.equal(typeof t, 'number');
    heard.push([i, m, u, s]);
  }];
};

test('fetch wrapper: the same Response, this and arguments; failures heard, successes too (the caller filters)', async () => {
  const answer = { type: 'basic', status: 503 } as Response;
  const seen: unknown[] = [];
  const w = { fetch: function (this: unknown, ...a: unknown[]) { seen.push(this, ...a); return Promise.resolve(answer); } as unknown as typeof fetch };
  const [heard, done] = listen();
  wrapFetch(w, done);
  const me = { who: 'caller' };
  const init = { method: 'post' };
  const r = await w.fetch.call(me, '/api/x', init);
  assert.equal(r, answer, 'the very Response object');
  assert.deepEqual(seen, [me, '/api/x', init]);
  assert.deepEqual(heard, [['fetch', 'post', '/api/x', 503]]);
});

test('fetch wrapper: a Request gives its method and URL; the default method is GET', async () => {
  const w = { fetch: (() => Promise.resolve({ type: 'cors', status: 404 })) as unknown as typeof fetch };
  const [heard, done] = listen();
  wrapFetch(w, done);
  await w.fetch(new Request('https://a.example/r', { method: 'DELETE' }));
  await w.fetch('https://a.example/plain');
  assert.deepEqual(heard, [['fetch', 'DELETE', 'https://a.example/r', 404], ['fetch', 'GET', 'https://a.example/plain', 404]]);
});

test('fetch wrapper: the same error object is rejected; a network error is status 0, an abort is not a failure', async () => {
  const failure = new TypeError('Failed to fetch');
  const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
  let next: unknown = failure;
  const w = { fetch: (() => Promise.reject(next)) as unknown as typeof fetch };
  const [heard, done] = listen();
  wrapFetch(w, done);
  await assert.rejects(w.fetch('/down'), (e) => e === failure);
  next = abort;
  await assert.rejects(w.fetch('/aborted'), (e) => e === abort);
  assert.deepEqual(heard, [['fetch', 'GET', '/down', 0]]);
});

test('fetch wrapper: an opaque answer (no-cors) is not a failure; a broken listener does not touch the request', async () => {
  const opaque = { type: 'opaque', status: 0 } as Response;
  const w = { fetch: (() => Promise.resolve(opaque)) as unknown as typeof fetch };
  const [heard, done] = listen();
  wrapFetch(w, done);
  assert.equal(await w.fetch('/img'), opaque);
  assert.deepEqual(heard, []);
  const broken = { fetch: (() => Promise.resolve({ type: 'basic', status: 500 })) as unknown as typeof fetch };
  wrapFetch(broken, () => {
    throw new Error('bug in rumhouse');
  });
  assert.equal((await broken.fetch('/x')).status, 500);
  const strange = { fetch: (() => 'not a promise') as unknown as typeof fetch };
  wrapFetch(strange, done);
  assert.equal(strange.fetch('/x') as unknown, 'not a promise', "a page's odd fetch is passed through");
  const nothing = { fetch: (() => undefined) as unknown as typeof fetch };
  wrapFetch(nothing, done);
  assert.equal(nothing.fetch('/x'), undefined, 'nor does one that returns nothing make it throw');
  const none: { fetch?: typeof fetch } = {};
  wrapFetch(none, done);
  assert.equal(none.fetch, undefined);
});

/** A fake XMLHttpRequest with the browser's event order: abort, then loadend. */
class FakeXhr extends EventTarget {
  status = 0;
  opened: unknown[] = [];
  open(...a: unknown[]): string {
    this.opened = a;
    return 'opened';
  }
  send(body?: unknown): string {
    if (body === 'throw') throw new RangeError('send failed');
    return 'sent';
  }
  finish(status: number, aborted = false): void {
    this.status = status;
    if (aborted) this.dispatchEvent(new Event('abort'));
    this.dispatchEvent(new Event('loadend'));
  }
}

test('XHR wrapper: same results, this and exceptions; each request heard once when it ends, aborts not', () => {
  const w = { XMLHttpRequest: FakeXhr };
  const [heard, done] = listen();
  wrapXhr(w, done);
  const x = new FakeXhr();
  assert.equal(x.open('get', '/api/a', true), 'opened');
  assert.deepEqual(x.opened, ['get', '/api/a', true]);
  assert.equal(x.send(), 'sent');
  x.finish(500);
  x.finish(500); // a later loadend of the same request is not heard again
  assert.throws(() => x.send('throw'), RangeError);
  x.open('POST', '/api/b');
  x.send();
  x.finish(0, true);
  x.open('PUT', '/api/c');
  x.send();
  x.finish(0);
  assert.deepEqual(heard, [['xhr', 'get', '/api/a', 500], ['xhr', 'PUT', '/api/c', 0]]);
  const unopened = new FakeXhr();
  assert.equal(unopened.send(), 'sent');
  unopened.finish(500);
  assert.equal(heard.length, 2, 'a request never opened is not heard');
  wrapXhr({}, done); // no XMLHttpRequest: nothing to wrap
});

test('routes: the key is the path, or with the query or the fragment as the site asks', () => {
  const l = { pathname: '/app/orders/1', search: '?tab=2', hash: '#top' };
  assert.equal(routeKey(l), '/app/orders/1');
  assert.equal(routeKey(l, 'path'), '/app/orders/1');
  assert.equal(routeKey(l, 'query'), '/app/orders/1?tab=2');
  assert.equal(routeKey(l, 'hash'), '/app/orders/1?tab=2#top');
});

test('routes: pushState/replaceState/popstate that change the key are heard once each; the page sees the same results', () => {
  const loc = { pathname: '/a', search: '', hash: '' };
  const calls: unknown[] = [];
  const history = {
    pushState(this: unknown, ...a: unknown[]): string {
      calls.push(this, ...a);
      loc.pathname = String(a[2]);
      return 'pushed';
    },
    replaceState(...a: unknown[]): string {
      if (a[2] === 'bad') throw new DOMException('cross origin', 'SecurityError');
      loc.pathname = String(a[2]);
      return 'replaced';
    },
  };
  const w = Object.assign(new EventTarget(), { location: loc, history }) as unknown as Window;
  let changes = 0;
  watchRoutes(w, undefined, () => changes++);
  assert.equal(w.history.pushState({ s: 1 }, '', '/b'), 'pushed');
  assert.deepEqual(calls, [history, { s: 1 }, '', '/b'], 'the same this and arguments');
  assert.equal(changes, 1);
  w.history.pushState(null, '', '/b');
  assert.equal(changes, 1, 'the same path is no new route');
  assert.equal(w.history.replaceState(null, '', '/c'), 'replaced');
  assert.equal(changes, 2);
  assert.throws(() => w.history.replaceState(null, '', 'bad'), (e: Error) => e.name === 'SecurityError');
  assert.equal(changes, 2);
  loc.pathname = '/a';
  w.dispatchEvent(new Event('popstate'));
  assert.equal(changes, 3);
  loc.search = '?q=1';
  w.dispatchEvent(new Event('popstate'));
  assert.equal(changes, 3, 'a query change is not a route by default');
  let broken = 0;
  watchRoutes(w, 'query', () => {
    broken++;
    throw new Error('bug in rumhouse');
  });
  assert.equal(w.history.pushState(null, '', '/d'), 'pushed', 'a failing listener does not reach the page');
  assert.equal(broken, 1);
});
