/**
 * rum.js in Debian's chromium: what a real browser makes it send, and what it must not send
 * or store (sampling, consent, Global Privacy Control). A local HTTP server serves the test
 * pages and the built `dist/rum.js`, and records every beacon; the full path into the
 * collector and its store is tested in `tests/e2e` (Python).
 *
 * "Nothing was sent" is never read from a wait: each such test then loads a control page
 * whose beacon must arrive, and beacons from one tab arrive in the order the pages sent
 * them, so the earlier page's silence is known once the control beacon is in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Beacon as Payload } from '../src/payload';
import { hideAndShow } from './chromium';

/** A beacon as rum.js sends it: every field but the navigation timing is always there. */
type Beacon = { [K in keyof Payload]-?: NonNullable<Payload[K]> } & { nav?: Payload['nav'] };

interface Received {
  path: string;
  type: string;
  beacon: Beacon;
}

const received: Received[] = [];
const pages = new Map<string, string>();
let server: Server;
let origin = '';
let browser: Browser;

// Stryker (`make mutation`) runs this file against each mutant of src/; the bundle it built
// picks the mutant from `__stryker__.activeMutant`, which a browser has to be given.
const MUTANT = process.env.__STRYKER_ACTIVE_MUTANT__;
const INIT = MUTANT === undefined ? '' : `window.__stryker__ = { activeMutant: ${JSON.stringify(MUTANT)} };`;

const serve = (req: IncomingMessage, res: ServerResponse): void => {
  const path = new URL(req.url ?? '/', origin).pathname;
  if (req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path, type: req.headers['content-type'] ?? '', beacon: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(204).end();
    });
    return;
  }
  if (path.endsWith('.js')) {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(`dist/${path.split('/').pop()}`));
    return;
  }
  const html = pages.get(path) ?? '<!doctype html><title>other</title><p>another page</p>';
  res.writeHead(200, { 'content-type': 'text/html' }).end(html); // no no-store: it bars the back/forward cache
};

before(async () => {
  server = createServer(serve);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const executable = execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
  browser = await chromium.launch({
    executablePath: executable,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    // Playwright turns the back/forward cache off by default; rum.js has to handle it.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A page that loads rum.js with these `data-` attributes; `head` runs before it. */
const page = (path: string, attrs: Record<string, string>, head = ''): string => {
  const data = Object.entries(attrs).map(([k, v]) => ` data-${k}="${v}"`).join('');
  pages.set(path, `<!doctype html><title>${path}</title><script>${head}</script><script src="/static/rum.js"${data}></script><h1>Hello ${path}</h1>`);
  return origin + path;
};

const open = async (init = ''): Promise<[BrowserContext, Page]> => {
  const context = await browser.newContext();
  await context.addInitScript({ content: INIT + init });
  return [context, await context.newPage()];
};

/** Wait (polling, generous deadline) until `n` beacons from `path` are in. */
const beacons = async (path: string, n = 1): Promise<Beacon[]> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = received.filter((r) => r.path === path).map((r) => r.beacon);
    if (found.length >= n) return found;
    assert.ok(Date.now() < deadline, `${n} beacon(s) to ${path} did not arrive; got ${found.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The first beacon to `path` for which `match` holds, once it is in. */
const arrived = async (path: string, match: (b: Beacon) => boolean): Promise<Beacon> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = received.find((r) => r.path === path && match(r.beacon));
    if (found) return found.beacon;
    assert.ok(Date.now() < deadline, `no matching beacon to ${path} arrived`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A new tab (``init`` runs first in every page), on ``url``, once rum.js has run. */
const visit = async (url: string, init = ''): Promise<[BrowserContext, Page]> => {
  const [context, p] = await open(init);
  await p.goto(url, { waitUntil: 'load' });
  await ready(p);
  return [context, p];
};

const ready = (p: Page): Promise<unknown> =>
  p.waitForFunction(() => typeof (window as { rumhouse?: unknown }).rumhouse === 'function', undefined, { timeout: 10_000 });


const stored = (p: Page): Promise<string | null> => p.evaluate(() => sessionStorage.getItem('rumhouse.s'));

// Each test has its own pages and endpoints, so they run side by side.
describe('rum.js in chromium', { concurrency: true }, () => {
  test('a page view is sent when the page is left, with what the page measured', async () => {
    const endpoint = '/collect/one';
    const count = "window.errs = 0; addEventListener('error', () => errs++); addEventListener('unhandledrejection', () => errs++);";
    const boom = "window.boom = () => { setTimeout(() => { throw new TypeError('boom'); }); void Promise.reject(new RangeError('late')); };";
    const url = page('/shop/cart', { site: 'shop', endpoint }, count + boom);
    const [context, p] = await visit(`${url}?token=secret#top`);
    await p.evaluate(() => {
      const r = (window as unknown as { rumhouse: (...a: unknown[]) => void }).rumhouse;
      r('page', 'Cart');
      r('set', 'plan', 'pro');
      r('event', 'checkout', '3');
      r('event', 'opened');
      (window as unknown as { boom: () => void }).boom();
    });
    await p.click('h1'); // an input: web-vitals reports LCP once the visitor interacts
    await p.waitForFunction(() => (window as unknown as { errs: number }).errs === 2);
    await p.goto(`${origin}/other`);
    const [b] = await beacons(endpoint);
    const sid = await stored(p);
    await context.close();

    assert.equal(b.v, 1);
    assert.equal(b.site, 'shop');
    assert.equal(b.seq, 0);
    assert.equal(b.url, `${origin}/shop/cart?token=secret`, 'no fragment; the collector keeps only allowlisted parameters');
    assert.equal(b.label, 'Cart');
    assert.deepEqual(b.dims, { plan: 'pro' });
    assert.deepEqual(b.events, [{ name: 'checkout', value: 3 }, { name: 'opened', value: null }]);
    assert.equal(b.navigation_type, 'navigate');
    assert.equal(b.referrer, '');
    assert.ok(b.elapsed >= 0);
    assert.match(b.page_view_id, /^[0-9a-z]{16,}$/);
    assert.equal(sid?.split('.')[0], b.session_id, 'the session id lives in sessionStorage');
    const names = b.metrics.map((m) => m.name).sort();
    for (const name of ['FCP', 'LCP', 'TTFB']) assert.ok(names.includes(name), `${name} in ${names}`);
    const ttfb = b.metrics.find((m) => m.name === 'TTFB');
    assert.ok(ttfb && ttfb.value >= 0 && 'waiting_duration' in (ttfb.phases ?? {}));
    const errors = [...b.errors].sort((x, y) => String(x.kind).localeCompare(String(y.kind)));
    assert.deepEqual(errors.map((e) => [e.kind, e.type, e.message, e.count]), [
      ['error', 'TypeError', 'boom', 1],
      ['unhandledrejection', 'RangeError', 'late', 1],
    ]);
    assert.match(String(errors[0].stack), /boom/);
    assert.match(String(errors[0].source), /\/shop\/cart/);
    assert.ok((errors[0].line ?? 0) > 0);
    const nav = b.nav;
    assert.ok(nav && typeof nav.ttfb === 'number' && nav.ttfb >= 0 && nav.request !== undefined);
    assert.equal(nav.protocol, 'http/1.1');
    assert.ok((b.context.viewport_width ?? 0) > 0 && (b.context.device_pixel_ratio ?? 0) > 0);
    assert.ok((b.context.cpu_cores ?? 0) > 0);
  });

  test('each beacon of a page view carries only what is new, numbered by seq', async () => {
    const endpoint = '/collect/seq';
    const url = page('/seq', { site: 'shop', endpoint });
    const [context, p] = await visit(url);
    await hideAndShow(p);
    const [first] = await beacons(endpoint);
    await hideAndShow(p); // nothing new: no beacon
    await p.evaluate(() => (window as unknown as { rumhouse: (...a: unknown[]) => void }).rumhouse('event', 'later', 1));
    await hideAndShow(p);
    const [, second] = await beacons(endpoint, 2);
    await context.close();

    assert.equal(first.seq, 0);
    assert.ok(first.metrics.length > 0 && first.nav !== undefined);
    assert.equal(second.seq, 1, 'the hide with nothing new sent nothing');
    assert.equal(second.page_view_id, first.page_view_id);
    assert.equal(second.session_id, first.session_id);
    assert.deepEqual(second.events, [{ name: 'later', value: 1 }]);
    assert.deepEqual(second.errors, []);
    const names = second.metrics.map((m) => m.name);
    assert.ok(!names.includes('TTFB') && !names.includes('FCP'), `no final metric is sent twice: ${names}`);
  });

  test('the loader snippet queues calls until rum.js runs them, and loads it async', async () => {
    const snippet = readFileSync('dist/loader.js', 'utf8')
      .replace('__RUM_SRC__', '/static/rum.js')
      .replace('__RUM_SITE__', 'snip')
      .replace('__RUM_ENDPOINT__', `${origin}/collect/snippet`)
      .replace('__RUM_SAMPLE__', '1')
      .replace('__RUM_PRIVACY__', '');
    pages.set('/snippet', `<!doctype html><script>${snippet}; rumhouse('page', 'Landing'); rumhouse('set', 'ab', 'b');</script><p>x</p>`);
    const [context, p] = await open();
    await p.goto(`${origin}/snippet`, { waitUntil: 'load' });
    await p.waitForFunction(() => !(window as { rumhouse?: { q?: unknown } }).rumhouse?.q);
    const async = await p.evaluate(() => (document.querySelector('script[src]') as HTMLScriptElement).async);
    await p.goto(`${origin}/other`);
    const [b] = await beacons('/collect/snippet');
    await context.close();
    assert.equal(async, true);
    assert.equal(b.site, 'snip');
    assert.equal(b.label, 'Landing');
    assert.deepEqual(b.dims, { ab: 'b' });
  });

  test('without data-endpoint beacons go to /v1/beacon beside rum.js', async () => {
    const url = page('/default-endpoint', { site: 'plain' });
    const [context, p] = await visit(url);
    await p.goto(`${origin}/other`);
    const b = await arrived('/v1/beacon', (x) => x.site === 'plain'); // another test posts there too
    await context.close();
    assert.equal(received.find((r) => r.beacon === b)?.type, 'text/plain;charset=UTF-8', 'sendBeacon: no preflight');
  });

  test('run without a script element of its own (as a module, or eval), it reports as site default beside the page', async () => {
    // document.currentScript is null for code run from a callback: no data- attributes.
    const load = "fetch('/static/rum.js').then((r) => r.text()).then((t) => (0, eval)(t));";
    pages.set('/no-script', `<!doctype html><title>no script</title><script>${load}</script><h1>Hello</h1>`);
    const [context, p] = await visit(`${origin}/no-script`);
    await p.goto(`${origin}/other`);
    const b = await arrived('/v1/beacon', (x) => x.url === `${origin}/no-script`);
    await context.close();
    assert.equal(b.site, 'default');
  });

  test('the referrer is sent as its origin alone', async () => {
    const endpoint = '/collect/referred';
    const url = page('/referred', { site: 'shop', endpoint });
    pages.set('/from/deep/page', `<!doctype html><a id="go" href="${url}">go</a>`);
    const [context, p] = await open();
    await p.goto(`${origin}/from/deep/page?q=secret`, { waitUntil: 'load' });
    await p.click('#go');
    await p.waitForURL(url);
    await ready(p);
    const full = await p.evaluate(() => document.referrer);
    await p.goto(`${origin}/other`);
    const [b] = await beacons(endpoint);
    await context.close();
    assert.equal(full, `${origin}/from/deep/page?q=secret`, "the test's premise: the browser gives the whole URL");
    assert.equal(b.referrer, origin);
  });

  test('hiding the page sends at once, and showing it again sends nothing', async () => {
    const endpoint = '/collect/visibility';
    const url = page('/visibility', { site: 'shop', endpoint });
    const [context, p] = await visit(url);
    const set = (state: string): Promise<void> =>
      p.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    const api = (...a: unknown[]): Promise<void> => p.evaluate((args) => (window as unknown as { rumhouse: (...x: unknown[]) => void }).rumhouse(...args), a);
    await set('hidden'); // the tab is switched away from, and stays so
    const [first] = await beacons(endpoint);
    await api('event', 'while-hidden');
    await set('visible');
    await api('event', 'after-shown');
    await set('hidden');
    const [, second] = await beacons(endpoint, 2);
    await context.close();
    assert.equal(first.seq, 0);
    assert.deepEqual(second.events.map((e) => e.name), ['while-hidden', 'after-shown'], 'showing the page sent nothing');
  });

  test('where no visibilitychange comes as the page is left (a tab already hidden, older Safari), pagehide sends', async () => {
    const endpoint = '/collect/pagehide';
    const url = page('/pagehide', { site: 'shop', endpoint });
    // Chromium fires pagehide, then visibilitychange: this page stops the second on its way.
    const [context, p] = await visit(url, "addEventListener('visibilitychange', (e) => e.stopImmediatePropagation(), true);");
    await p.goto(`${origin}/other`);
    const [b] = await beacons(endpoint);
    await context.close();
    assert.equal(b.seq, 0);
  });

  test('when sendBeacon refuses, or the browser has none, the beacon goes by fetch with keepalive, still text/plain', async () => {
    const cases = { refuses: 'navigator.sendBeacon = () => false;', absent: 'delete Navigator.prototype.sendBeacon;' };
    for (const [name, init] of Object.entries(cases)) {
      const endpoint = `/collect/fetch-${name}`;
      const url = page(`/fetch-${name}`, { site: 'shop', endpoint });
      const [context, p] = await visit(url, init);
      await hideAndShow(p);
      const [b] = await beacons(endpoint);
      await context.close();
      assert.equal(b.site, 'shop', name);
      assert.equal(received.find((r) => r.beacon === b)?.type, 'text/plain', name);
    }
  });

  test('a page without fetch (an old browser, or a page that removed it) is measured all the same, sent by sendBeacon', async () => {
    const endpoint = '/collect/no-fetch';
    const url = page('/no-fetch', { site: 'shop', endpoint });
    const [context, p] = await visit(url, 'delete window.fetch;');
    const fetchLeft = await p.evaluate(() => 'fetch' in window);
    await hideAndShow(p);
    const [b] = await beacons(endpoint);
    await context.close();
    assert.equal(fetchLeft, false, "the page has no fetch (the test's premise)");
    assert.equal(b.site, 'shop');
    assert.equal(received.find((r) => r.beacon === b)?.type, 'text/plain;charset=UTF-8', 'sent by sendBeacon');
  });

  /** Load `url`, leave it, then load a control page whose beacon must arrive. */
  const silent = async (url: string, init = '', act?: (p: Page) => Promise<void>): Promise<[string | null, Beacon[]]> => {
    const path = new URL(url).pathname;
    const control = page(`${path}-control`, { site: 'control', endpoint: `${path}-control-beacons` });
    const [context, p] = await visit(url, init);
    await act?.(p);
    await hideAndShow(p);
    const storedThere = await stored(p);
    await p.goto(control, { waitUntil: 'load' });
    await ready(p);
    await p.goto(`${origin}/other`);
    await beacons(`${path}-control-beacons`);
    await context.close();
    return [storedThere, received.filter((r) => r.path === `${path}-beacons`).map((r) => r.beacon)];
  };

  /** A page whose beacons go to `<path>-beacons`, for `silent`. */
  const quiet = (path: string, attrs: Record<string, string>, head = ''): string => page(path, { site: 'quiet', endpoint: `${path}-beacons`, ...attrs }, head);

  test('data-sample="0" sends nothing; the session decides, not the page', async () => {
    const [, sent] = await silent(quiet('/sample-0', { sample: '0' }));
    assert.deepEqual(sent, []);
    // The rule keeps a session when its id's last four base-36 digits are below the rate:
    // "zzzz" (the top) is dropped at 0.99, "0000" kept at 0.01.
    const keep = (id: string): string => `sessionStorage.setItem('rumhouse.s', '${id}.' + Date.now());`;
    const [, high] = await silent(quiet('/sample-high', { sample: '0.99' }), keep('abcdefghzzzz'));
    assert.deepEqual(high, []);
    const url = quiet('/sample-low', { sample: '0.01' });
    const [context, p] = await visit(url, keep('abcdefgh0000'));
    await p.goto(`${origin}/other`);
    const [b] = await beacons('/sample-low-beacons');
    await context.close();
    assert.equal(b.session_id, 'abcdefgh0000');
  });

  test('with data-consent="required", nothing is sent or stored before consent', async () => {
    const [storedBefore, sent] = await silent(quiet('/no-consent', { consent: 'required' }));
    assert.equal(storedBefore, null, 'no session id is stored before consent');
    assert.deepEqual(sent, []);

    const url = quiet('/consent', { consent: 'required' });
    const [context, p] = await visit(url);
    await p.evaluate(() => (window as unknown as { rumhouse: (...a: unknown[]) => void }).rumhouse('consent', true));
    await p.goto(`${origin}/other`);
    const [b] = await beacons('/consent-beacons');
    await context.close();
    assert.ok(b.metrics.length > 0);
  });

  test('consent withdrawn stops the beacon', async () => {
    const url = quiet('/withdrawn', { consent: 'required' });
    const [, sent] = await silent(url, '', async (p) => {
      await p.evaluate(() => {
        const r = (window as unknown as { rumhouse: (...a: unknown[]) => void }).rumhouse;
        r('consent', true);
        r('consent', false);
      });
    });
    assert.deepEqual(sent, []);
  });

  test('under Global Privacy Control with data-respect-gpc, nothing is sent or stored', async () => {
    const gpc = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });";
    const [storedThere, sent] = await silent(quiet('/gpc', { 'respect-gpc': '' }), gpc);
    assert.equal(storedThere, null);
    assert.deepEqual(sent, []);
    // Without the site's ask, or with data-respect-gpc="false", GPC alone does not silence it.
    const url = quiet('/gpc-ignored', { 'respect-gpc': 'false' });
    const [context, p] = await visit(url, gpc);
    await p.goto(`${origin}/other`);
    await beacons('/gpc-ignored-beacons');
    await context.close();
    // And data-respect-gpc in a browser that sends no GPC signal reports as usual.
    const [c2, p2] = await visit(quiet('/gpc-absent', { 'respect-gpc': '' }));
    await p2.goto(`${origin}/other`);
    await beacons('/gpc-absent-beacons');
    await c2.close();
  });

  test('a page restored from the back/forward cache is a new page view of the same session', async () => {
    const endpoint = '/collect/bfcache';
    const url = page('/bfcache', { site: 'shop', endpoint }, "addEventListener('pageshow', (e) => { if (e.persisted) window.restored = true; });");
    const [context, p] = await visit(url);
    await p.goto(`${origin}/other`, { waitUntil: 'load' });
    const first = (await beacons(endpoint))[0];
    await p.goBack({ waitUntil: 'commit' });
    // Set by the page itself on a restore; a fresh load (no cache) never sets it.
    await p.waitForFunction(() => (window as { restored?: boolean }).restored === true);
    await p.goto(`${origin}/other`);
    // Leaving sends on visibilitychange and again on pagehide (the metrics final by then).
    const restored = await arrived(endpoint, (b) => b.navigation_type === 'back_forward_cache');
    await context.close();

    assert.equal(first.navigation_type, 'navigate');
    assert.equal(restored.navigation_type, 'back_forward_cache');
    assert.notEqual(restored.page_view_id, first.page_view_id);
    assert.equal(restored.session_id, first.session_id);
    assert.equal(restored.seq, 0);
    assert.equal(restored.nav, undefined, 'a restore has no navigation timing of its own');
    assert.ok(restored.metrics.some((m) => m.name === 'TTFB'), 'web-vitals reports the restore anew');
  });

  test('the public API never throws into the page, whatever it is given', async () => {
    const endpoint = '/collect/robust';
    const url = page('/robust', { site: 'shop', endpoint });
    const [context, p] = await visit(url);
    const threw = await p.evaluate(() => {
      const r = (window as unknown as { rumhouse: (...a: unknown[]) => void }).rumhouse;
      const evil = { toString(): string { throw new Error('evil'); } };
      try {
        r('set', evil, evil);
        r('page', evil);
        r('event', evil, evil);
        r('nonsense');
        return false;
      } catch {
        return true;
      }
    });
    await p.goto(`${origin}/other`);
    const [b] = await beacons(endpoint);
    await context.close();
    assert.equal(threw, false);
    assert.equal(b.site, 'shop');
  });
});
