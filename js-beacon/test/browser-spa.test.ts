/**
 * Client-side route changes in chromium: each route is a page view of its own, sent with its
 * own URL, id, navigation type and vitals (chromium reports soft navigations, so web-vitals
 * gives each route its LCP and FCP).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { start, tab, until, type Harness } from './chromium';

let h: Harness;
before(async () => {
  h = await start();
});
after(() => h?.close());

// The app renders a view per route, as routers do: a click pushes the route and renders it;
// going back renders the landing again from popstate.
const APP = `
const render = (path) => {
  document.querySelector('main').innerHTML = path === '/app/orders/123'
    ? '<h1>Order 123</h1><p>' + 'Shipped, arriving on Tuesday. '.repeat(20) + '</p>'
    : '<h1>Welcome</h1><p>' + 'Your orders and your account. '.repeat(20) + '</p><button id="go">Order 123</button>';
};
addEventListener('DOMContentLoaded', () => {
  render(location.pathname);
  document.body.addEventListener('click', (e) => {
    if (e.target.id !== 'go') return;
    history.pushState({}, '', '/app/orders/123');
    render('/app/orders/123');
  });
});
addEventListener('popstate', () => render(location.pathname));
`;

const app = (path: string, attrs = ''): string => {
  h.pages.set(path, `<!doctype html><title>app</title><script>${APP}</script><script src="/static/rum.js" data-site="spa" data-endpoint="/collect${path}"${attrs}></script><main></main>`);
  return h.origin + path;
};

describe('SPA routes in chromium', () => {
  test('landing, a pushState route and popstate back are three page views, each with its own URL, id and vitals', async () => {
    const url = app('/app/');
    const [context, p] = await tab(h);
    await p.goto(url, { waitUntil: 'load' });
    const softNavs = await p.evaluate(() => PerformanceObserver.supportedEntryTypes.includes('soft-navigation'));
    await p.click('h1'); // an input: web-vitals reports the landing's LCP
    await p.click('#go');
    await p.waitForFunction(() => document.querySelector('h1')?.textContent === 'Order 123');
    await p.click('h1');
    await p.goBack({ waitUntil: 'commit' });
    await p.waitForFunction(() => document.querySelector('h1')?.textContent === 'Welcome');
    await p.click('h1');
    await p.goto(`${h.origin}/other`);
    const all = await until(h, '/collect/app/', (b) => new Set(b.map((x) => x.page_view_id)).size >= 3, 'three page views');
    await context.close();
    console.log(JSON.stringify(all.map((b) => [b.page_view_id, b.seq, b.url, b.navigation_type, b.metrics.map((m) => `${m.name}=${m.value}`).join(" ")])));
    assert.equal(softNavs, true);
  });
});
