/**
 * Client-side route changes in chromium: each route is a page view of its own, sent with its
 * own URL, id, navigation type and vitals (chromium reports soft navigations, so web-vitals
 * gives each route its own LCP and FCP; INP and CLS are split at the route change).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { merged, start, tab, until, type Harness } from './chromium';

let h: Harness;
before(async () => {
  h = await start();
});
after(() => h?.close());

// The app renders a view per route, as routers do: a click pushes the route and renders it;
// going back renders the landing again from popstate. A click on the order's heading works for
// 400 ms, then one on the landing's (after going back) for 200 ms: each view's INP tells whose
// interaction it is, with room for a busy machine.
const APP = `
const render = (path) => {
  document.querySelector('main').innerHTML = path === '/app/orders/123'
    ? '<h1>Order 123</h1><p class="order">' + 'Shipped, arriving on Tuesday. '.repeat(20) + '</p>'
    : '<h1>Welcome</h1><p class="welcome">' + 'Your orders and your account. '.repeat(20) + '</p><button id="go">Order 123</button><a id="tab" href="#">tab</a>';
};
const work = [400, 200];
addEventListener('DOMContentLoaded', () => {
  render(location.pathname);
  document.body.addEventListener('click', (e) => {
    if (e.target.id === 'go') {
      history.pushState({}, '', '/app/orders/123');
      render('/app/orders/123');
    } else if (e.target.id === 'tab') {
      e.preventDefault();
      history.pushState({}, '', '?tab=2');
    } else if (e.target.tagName === 'H1') {
      const end = performance.now() + work.shift();
      while (performance.now() < end);
    }
  });
});
addEventListener('popstate', () => render(location.pathname));
`;

const app = (path: string, attrs = ''): string => {
  h.pages.set(path, `<!doctype html><title>app</title><script>${APP}</script><script src="/static/rum.js" data-site="spa" data-endpoint="/collect${path}"${attrs}></script><main></main>`);
  return h.origin + path;
};

/** Whether the page's Event Timing has delivered a click of 400 ms or more (web-vitals' observer
 * is handed the same entries): resolves once the slow interaction has been seen. */
const SAW_SLOW_CLICK = (): Promise<boolean> =>
  new Promise((done) => new PerformanceObserver((l) => l.getEntries().some((e) => e.name === 'click' && e.duration >= 400) && done(true)).observe({ type: 'event', buffered: true, durationThreshold: 16 } as PerformanceObserverInit));

const views = (beacons: { page_view_id: string }[]): string[] => [...new Set(beacons.map((b) => b.page_view_id))];

describe('SPA routes in chromium', { concurrency: true }, () => {
  test('landing, a pushState route and popstate back are three page views, each with its own URL, id and vitals', async () => {
    const url = app('/app/');
    const [context, p] = await tab(h);
    await p.goto(url, { waitUntil: 'load' });
    const softNavs = await p.evaluate(() => PerformanceObserver.supportedEntryTypes.includes('soft-navigation'));
    await p.click('#go');
    await p.waitForFunction(() => document.querySelector('h1')?.textContent === 'Order 123');
    await p.click('h1');
    await p.goBack({ waitUntil: 'commit' });
    await p.waitForFunction(() => document.querySelector('h1')?.textContent === 'Welcome');
    await p.click('h1');
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/', (b) => views(b).length >= 3, 'three page views');
    await context.close();

    assert.equal(softNavs, true, "this chromium reports soft navigations (the test's premise)");
    const [landing, order, back] = views(all).map((id) => merged(all, id));
    assert.equal(views(all).length, 3);
    assert.deepEqual([landing.url, order.url, back.url], [`${h.origin}/app/`, `${h.origin}/app/orders/123`, `${h.origin}/app/`]);
    assert.deepEqual([landing.nav, order.nav, back.nav], ['navigate', 'soft-navigation', 'soft-navigation']);
    assert.deepEqual(all.filter((b) => b.navigation_type === 'soft-navigation').map((b) => b.referrer), all.filter((b) => b.navigation_type === 'soft-navigation').map(() => h.origin));
    // The document's TTFB is the landing's alone; every view has its own paint and INP.
    assert.ok(landing.metrics.has('TTFB') && !order.metrics.has('TTFB') && !back.metrics.has('TTFB'));
    for (const v of [landing, order, back]) for (const name of ['FCP', 'LCP', 'INP', 'CLS']) assert.ok(v.metrics.has(name), `${v.url} ${v.nav}: ${name}`);
    assert.match(String(landing.metrics.get('LCP')?.target), /welcome/);
    assert.match(String(order.metrics.get('LCP')?.target), /order/);
    assert.match(String(back.metrics.get('LCP')?.target), /welcome/);
    const inp = (v: typeof landing): number => v.metrics.get('INP')?.value ?? -1;
    // Each view's INP is its own interaction's: the order's 400 ms click is in no other view.
    assert.ok(inp(order) >= 400, `order INP ${inp(order)}`);
    assert.ok(inp(back) >= 200, `back INP ${inp(back)}`);
    assert.ok(inp(landing) > 0 && inp(landing) < inp(order), `landing INP ${inp(landing)}, order ${inp(order)}`);
    assert.ok(inp(back) < inp(order), `back INP ${inp(back)}, order ${inp(order)}`);
    // The landing was sent when the route changed, before the page was left.
    const firstOfOrder = all.findIndex((b) => b.url.endsWith('/orders/123'));
    assert.ok(all.findIndex((b) => b.navigation_type === 'navigate') < firstOfOrder);
  });

  test('a route change the browser does not count (no input) still gets its own INP and CLS span', async () => {
    // The app redirects by itself once loaded: no interaction, so no soft navigation for the
    // browser; web-vitals' INP then goes on across the route change.
    const path = '/quiet/';
    // The route's content then pushes the heading down (a shift without input), and a click on
    // the heading works for 60 ms: under the 104 ms an Event Timing observer sees by default.
    const shift = "setTimeout(() => document.body.prepend(Object.assign(document.createElement('div'), { style: 'height: 300px' })), 50);";
    const redirect = `addEventListener('load', () => setTimeout(() => { history.replaceState({}, '', '/quiet/next'); document.querySelector('h1').textContent = 'Next'; ${shift} }));`;
    const busy = `addEventListener('click', () => { const end = performance.now() + 60; while (performance.now() < end); });`;
    h.pages.set(path, `<!doctype html><script>${redirect}${busy}</script><script src="/static/rum.js" data-site="spa" data-endpoint="/collect${path}"></script><h1>Quiet</h1>`);
    const [context, p] = await tab(h);
    await p.goto(h.origin + path, { waitUntil: 'load' });
    await p.waitForFunction(() => location.pathname === '/quiet/next' && document.body.firstElementChild?.tagName === 'DIV');
    await p.click('h1');
    await p.goto(`${h.origin}/other`);
    const all = await until(h, `/collect${path}`, (b) => views(b).length >= 2 && b.some((x) => x.url.endsWith('/next') && x.metrics.some((m) => m.name === 'INP')), 'the route with its INP');
    await context.close();
    const [landing, next] = views(all).map((id) => merged(all, id));
    assert.deepEqual([landing.url, next.url, next.nav], [`${h.origin}/quiet/`, `${h.origin}/quiet/next`, 'soft-navigation']);
    assert.ok((next.metrics.get('INP')?.value ?? 0) >= 56, JSON.stringify(next.metrics.get('INP'))); // durations are rounded to 8 ms
    assert.ok((next.metrics.get('CLS')?.value ?? 0) > 0, `the route's own shift: ${JSON.stringify(next.metrics.get('CLS'))}`);
    assert.ok((landing.metrics.get('INP')?.value ?? 0) < 56, "the route's interaction is not the landing's");
  });

  test('a query-only change is no new page view, unless the script says data-routes="query"', async () => {
    const plain = app('/app/plain/');
    const query = app('/app/query/', ' data-routes="query"');
    for (const url of [plain, query]) {
      const [context, p] = await tab(h);
      await p.goto(url, { waitUntil: 'load' });
      await p.click('#tab');
      await p.waitForFunction(() => location.search === '?tab=2');
      await p.goto(`${h.origin}/other`);
      await until(h, `/collect${new URL(url).pathname}`, (b) => b.length > 0);
      await context.close();
    }
    // The control page's beacons are in; the plain page's, sent before it left, are too.
    const query2 = await until(h, '/collect/app/query/', (b) => views(b).length >= 2, 'two page views');
    const plain1 = h.received.filter((r) => r.path === '/collect/app/plain/').map((r) => r.beacon);
    assert.equal(views(plain1).length, 1);
    assert.equal(views(query2).length, 2);
    assert.deepEqual([...new Set(query2.map((b) => b.url))], [`${h.origin}/app/query/`, `${h.origin}/app/query/?tab=2`], 'each page view with its own query');
  });

  test("a route's late INP goes to that route, not to a later one the browser did not count", async () => {
    // A click route with a 400 ms click on its heading, then a redirect by the app itself (no
    // input: no soft navigation): the route's INP, reported as the page is left, is its own.
    const url = app('/app/late/');
    const [context, p] = await tab(h);
    await p.goto(url, { waitUntil: 'load' });
    await p.click('#go');
    await p.waitForFunction(() => document.querySelector('h1')?.textContent === 'Order 123');
    await p.click('h1');
    await p.waitForFunction(SAW_SLOW_CLICK);
    await p.evaluate(() => history.replaceState({}, '', '/app/orders/123/shipping'));
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/late/', (b) => views(b).length >= 3 && b.some((x) => x.url.endsWith('/123') && x.metrics.some((m) => m.name === 'INP')), 'three page views');
    await context.close();
    const [, order, shipping] = views(all).map((id) => merged(all, id));
    assert.equal(shipping.url, `${h.origin}/app/orders/123/shipping`);
    const inp = order.metrics.get('INP');
    assert.ok((inp?.value ?? 0) >= 400, `the order's INP: ${JSON.stringify(inp)}`);
    // web-vitals' INP names the heading; when web-vitals had not reported it before the page
    // was left, rum.js gives it from its own Event Timing observer, without a target.
    if (inp?.target !== undefined) assert.match(String(inp.target), /h1/);
    assert.equal(shipping.metrics.get('INP'), undefined, 'no interaction on the shipping route');
  });

  test("a route's paints reported after the app redirected (no input, no soft navigation) stay that route's", async () => {
    // The click's route gets a soft navigation; the app's own redirect from it does not, so
    // web-vitals gives the redirect no paints: the route's LCP, final only as the page is
    // left (no input came after it), belongs to the route, not to the page view opened since.
    const url = app('/app/redirect/');
    const [context, p] = await tab(h);
    await p.goto(url, { waitUntil: 'load' });
    await p.click('#go');
    await p.waitForFunction(() => performance.getEntriesByType('soft-navigation').some((e) => e.name.endsWith('/app/orders/123')));
    await p.evaluate(() => history.replaceState({}, '', '/app/orders/123/shipping'));
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/redirect/', (b) => views(b).length >= 3 && b.some((x) => x.url.endsWith('/123') && x.metrics.some((m) => m.name === 'LCP')), "the route's LCP");
    await context.close();
    const [, order, shipping] = views(all).map((id) => merged(all, id));
    assert.deepEqual([order.url, shipping.url], [`${h.origin}/app/orders/123`, `${h.origin}/app/orders/123/shipping`]);
    assert.ok(order.metrics.has('FCP'), `the route's FCP: ${[...order.metrics.keys()]}`);
    assert.deepEqual(['FCP', 'LCP'].filter((name) => shipping.metrics.has(name)), [], 'no paints of the redirect');
  });

  test('where the browser reports no layout shifts or long animation frames, no CLS and no LoAF are sent, not zeros', async () => {
    const hide = "const types = PerformanceObserver.supportedEntryTypes.filter((t) => t !== 'layout-shift' && t !== 'long-animation-frame'); Object.defineProperty(PerformanceObserver, 'supportedEntryTypes', { get: () => types });";
    const url = app('/app/old-browser/');
    const [context, p] = await tab(h, hide);
    await p.goto(url, { waitUntil: 'load' });
    // A route the browser does not count: web-vitals gives it no CLS; only rum.js's own could.
    await p.evaluate(() => history.replaceState({}, '', '/app/old-browser/next'));
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/old-browser/', (b) => views(b).length >= 2, 'two page views');
    await context.close();
    assert.ok(all.every((b) => b.loaf === undefined), 'no LoAF summary');
    const next = all.filter((b) => b.url.endsWith('/next'));
    assert.ok(next.length > 0 && !next.some((b) => b.metrics.some((m) => m.name === 'CLS')), JSON.stringify(next));
    assert.ok(all.some((b) => b.metrics.some((m) => m.name === 'FCP')), 'the rest is measured');
  });

  test("a soft navigation that is no route (a query change, by default) leaves the landing's own FCP and LCP alone", async () => {
    // A click changes the query and renders new content: chromium counts a soft navigation, and
    // web-vitals reports its FCP and LCP (timed from the click). rum.js keeps no page view for
    // it, so they go nowhere; the landing keeps the paints of its own load.
    const path = '/app/grid/';
    const grid = "document.querySelector('#grid').addEventListener('click', () => { history.pushState({}, '', '?view=grid'); document.querySelector('main').innerHTML = '<h1>Grid</h1><p>' + 'Every order, as a grid. '.repeat(40) + '</p>'; });";
    h.pages.set(path, `<!doctype html><title>grid</title><script src="/static/rum.js" data-site="spa" data-endpoint="/collect${path}"></script><main><h1>List</h1><p>${'Every order, as a list. '.repeat(20)}</p></main><button id="grid">grid</button><script>${grid}</script>`);
    // LCP entries are given to observers only: the page records them from its start.
    const record = "window.LCPS = []; new PerformanceObserver((l) => LCPS.push(...l.getEntries().map((e) => e.startTime))).observe({ type: 'largest-contentful-paint', buffered: true });";
    const [context, p] = await tab(h, record);
    await p.goto(h.origin + path, { waitUntil: 'load' });
    // The load's paints, read before the click (input ends the landing's LCP; the page paints
    // all it has at once).
    await p.waitForFunction(() => (window as unknown as { LCPS: number[] }).LCPS.length > 0);
    const [fcp, lcp] = await p.evaluate(() => [performance.getEntriesByName('first-contentful-paint')[0].startTime, (window as unknown as { LCPS: number[] }).LCPS.at(-1) ?? NaN]);
    await p.click('#grid');
    await p.waitForFunction(() => performance.getEntriesByType('soft-navigation').some((e) => e.name.endsWith('?view=grid')));
    await p.goto(`${h.origin}/other`);
    const all = await until(h, `/collect${path}`, (b) => b.some((x) => x.metrics.some((m) => m.name === 'LCP')), "the landing's LCP");
    await context.close();
    assert.equal(views(all).length, 1, 'a query change is no new page view');
    const landing = merged(all, all[0].page_view_id);
    assert.ok(Math.abs((landing.metrics.get('FCP')?.value ?? NaN) - fcp) <= 1, `FCP ${JSON.stringify(landing.metrics.get('FCP'))}, the load's ${fcp}`);
    assert.ok(Math.abs((landing.metrics.get('LCP')?.value ?? NaN) - lcp) <= 1, `LCP ${JSON.stringify(landing.metrics.get('LCP'))}, the load's ${lcp}`);
  });

  test('the landing is kept through nine route changes: its LCP, final only as the page is left, is sent', async () => {
    const url = app('/app/many/');
    const [context, p] = await tab(h);
    await p.goto(url, { waitUntil: 'load' });
    await p.evaluate(() => { for (let i = 1; i <= 9; i++) history.replaceState({}, '', `/app/many/${i}`); });
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/many/', (b) => views(b).length >= 10 && b.some((x) => x.seq > 0), 'ten page views');
    await context.close();
    const landing = merged(all, all[0].page_view_id);
    assert.equal(landing.url, url);
    assert.ok(landing.metrics.has('LCP'), `the landing's LCP: ${[...landing.metrics.keys()]}`);
  });
});
