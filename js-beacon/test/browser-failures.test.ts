/**
 * Failed requests and resources in chromium: what rum.js sends about them, and that the page
 * sees exactly what it sees without rum.js (the same battery of fetch, XHR and history calls
 * runs in the same page with and without it, and what the page observed is compared).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closedPort, merged, start, tab, until, type Harness } from './chromium';

let h: Harness;
before(async () => {
  h = await start();
});
after(() => h?.close());

// Everything the page observes, in order, as plain data.
const BATTERY = `
window.unhandled = [];
addEventListener('unhandledrejection', (e) => { unhandled.push([e.reason.constructor.name, e.reason.message]); e.preventDefault(); });
window.battery = async (closed) => {
  const out = [];
  const note = (k, v) => out.push([k, v]);
  const caught = async (k, f) => { try { note(k, ['resolved', await f()]); } catch (e) { note(k, ['rejected', e.constructor.name, e.name, e.message]); } };
  const r = await fetch('/status/500');
  note('500', [r.status, r.ok, r.type, r.constructor.name, r.url.endsWith('/status/500'), await r.text()]);
  const s = await fetch('/stream');
  const reader = s.body.getReader();
  const chunks = [];
  for (;;) { const { done, value } = await reader.read(); if (done) break; chunks.push(new TextDecoder().decode(value)); }
  note('stream', chunks.join(''));
  await caught('closed', () => fetch(closed));
  const ac = new AbortController();
  const aborted = fetch('/aborted', { signal: ac.signal });
  ac.abort();
  await caught('abort', () => aborted);
  await caught('this', () => ({ f: fetch }).f('/status/200'));
  await caught('own', async () => (await fetch('${'${ENDPOINT}'}', { method: 'POST', body: 'not a beacon' })).status);
  fetch(closed + '/uncaught'); // nobody catches it: an unhandledrejection
  const xhr = (method, url) => new Promise((done) => {
    const x = new XMLHttpRequest();
    const events = [];
    for (const t of ['load', 'error', 'abort', 'loadend']) x.addEventListener(t, () => events.push(t));
    note('open', x.open(method, url));
    note('send', x.send());
    x.addEventListener('loadend', () => done([x.status, x.responseText, x.readyState, events]));
  });
  note('xhr404', await xhr('GET', '/status/404'));
  note('xhrClosed', await xhr('post', closed + '/xhr'));
  const sync = new XMLHttpRequest();
  sync.open('GET', '/status/503', false);
  sync.send();
  note('sync', [sync.status, sync.responseText]);
  await caught('badOpen', async () => new XMLHttpRequest().open('BAD METHOD', '/x'));
  await caught('sendFirst', async () => new XMLHttpRequest().send());
  await new Promise((done) => { const i = new Image(); i.onerror = () => done(); i.src = '/missing.png'; document.body.append(i); });
  await new Promise((done) => { const i = new Image(); i.onerror = () => done(); i.src = '/broken.png'; document.body.append(i); }); // 200, not an image
  note('push', history.pushState({ n: 1 }, '', location.pathname + '?step=2'));
  note('state', [history.state, location.search]);
  return out;
};
`;

const failPage = (path: string, withRum: boolean): string => {
  const endpoint = `/collect${path}`;
  const rum = withRum ? `<script src="/static/rum.js" data-site="fail" data-endpoint="${endpoint}"></script>` : '';
  h.pages.set(path, `<!doctype html><title>fail</title><script>${BATTERY.replace('${ENDPOINT}', endpoint)}</script>${rum}<h1>failing</h1>`);
  return h.origin + path;
};

const run = async (url: string, closed: string): Promise<[unknown, unknown]> => {
  const [context, p] = await tab(h);
  await p.goto(url, { waitUntil: 'load' });
  const seen = await p.evaluate((c) => (window as unknown as { battery: (c: string) => Promise<unknown> }).battery(c), closed);
  await p.waitForFunction(() => (window as unknown as { unhandled: unknown[] }).unhandled.length === 1);
  const unhandled = await p.evaluate(() => (window as unknown as { unhandled: unknown[] }).unhandled);
  await p.goto(`${h.origin}/other`);
  await context.close();
  return [seen, unhandled];
};

describe('failed requests and resources in chromium', () => {
  test('a 500 fetch, a fetch to a closed port, failing XHRs and a missing image are sent; the page sees what it sees without rum.js', async () => {
    const port = await closedPort();
    const closed = `http://127.0.0.1:${port}`;
    const [withRum, unhandledWith] = await run(failPage('/fail', true), closed);
    const [without, unhandledWithout] = await run(failPage('/fail-plain', false), closed);
    assert.deepEqual(withRum, without);
    assert.deepEqual(unhandledWith, unhandledWithout);
    assert.deepEqual(unhandledWith, [['TypeError', 'Failed to fetch']]);

    const beacons = await until(h, '/collect/fail', (b) => b.some((x) => x.failures.some((f) => f.initiator === 'img')), 'the failures');
    const failures = beacons.flatMap((b) => b.failures);
    const got = (url: string) => failures.filter((f) => f.url === url).map((f) => [f.kind, f.initiator, f.method, f.status, f.count]);
    assert.deepEqual(got(`${h.origin}/status/500`), [['request', 'fetch', 'GET', 500, 1]]);
    assert.deepEqual(got(`${closed}/`), [['request', 'fetch', 'GET', 0, 1]]);
    assert.deepEqual(got(`${closed}/uncaught`), [['request', 'fetch', 'GET', 0, 1]]);
    assert.deepEqual(got(`${h.origin}/status/404`), [['request', 'xhr', 'GET', 404, 1]]);
    assert.deepEqual(got(`${closed}/xhr`), [['request', 'xhr', 'POST', 0, 1]]);
    assert.deepEqual(got(`${h.origin}/status/503`), [['request', 'xhr', 'GET', 503, 1]]);
    assert.deepEqual(got(`${h.origin}/missing.png`), [['resource', 'img', '', 404, 1]]);
    assert.deepEqual(got(`${h.origin}/broken.png`), [['resource', 'img', '', 0, 1]], 'answered 200 but not an image');
    for (const f of failures.filter((x) => x.kind === 'request')) assert.ok((f.duration ?? -1) >= 0, `a duration for ${f.url}`);
    assert.deepEqual(got(`${h.origin}/aborted`), [], 'an abort is not a failure');
    assert.deepEqual(got(`${h.origin}/stream`), []);
    assert.deepEqual(got(`${h.origin}/collect/fail`), [], "the beacon's own endpoint is never reported");
  });

  test('a 400 is a failure, and a missing image is sent even when the resource timing buffer is full', async () => {
    const path = '/fail-full';
    // A page with more resources than the timing buffer holds: none is kept from the start.
    const page = `performance.setResourceTimingBufferSize(0);
      window.go = async () => {
        await fetch('/status/400');
        await new Promise((done) => { const i = new Image(); i.onerror = done; i.src = '/missing-full.png'; document.body.append(i); });
      };`;
    h.pages.set(path, `<!doctype html><script>${page}</script><script src="/static/rum.js" data-site="fail" data-endpoint="/collect${path}"></script><h1>full</h1>`);
    const [context, p] = await tab(h);
    await p.goto(h.origin + path, { waitUntil: 'load' });
    await p.evaluate(() => (window as unknown as { go: () => Promise<void> }).go());
    const kept = await p.evaluate(() => performance.getEntriesByName(`${location.origin}/missing-full.png`).length);
    await p.goto(`${h.origin}/other`);
    const beacons = await until(h, `/collect${path}`, (b) => b.some((x) => x.failures.length > 0), 'the failures');
    await context.close();
    assert.equal(kept, 0, "the test's premise: no timing entry to read the image's status from");
    const failures = beacons.flatMap((b) => b.failures).map((f) => [f.kind, f.initiator, f.url, f.status]);
    assert.deepEqual(failures.sort(), [
      ['request', 'fetch', `${h.origin}/status/400`, 400],
      ['resource', 'img', `${h.origin}/missing-full.png`, 0],
    ]);
  });

  test('a failed request belongs to the page view it started in, though it failed after the route changed', async () => {
    const path = '/fail-route';
    // performance.now() is held still across the route change, so a request can start at
    // the very instant the new route does; it is the new route's.
    const page = `window.go = async () => {
        const real = performance.now.bind(performance);
        const early = fetch('/status/502');
        const t = real();
        while (real() - t < 2); // two distinct instants for the two page views
        let still = real();
        performance.now = () => still ?? real();
        history.pushState({}, '', '${path}/next');
        const same = fetch('/status/504');
        still = undefined;
        await Promise.all([early, same]);
      };`;
    h.pages.set(path, `<!doctype html><script>${page}</script><script src="/static/rum.js" data-site="fail" data-endpoint="/collect${path}"></script><h1>route</h1>`);
    const [context, p] = await tab(h);
    await p.goto(h.origin + path, { waitUntil: 'load' });
    await p.evaluate(() => (window as unknown as { go: () => Promise<void> }).go());
    await p.goto(`${h.origin}/other`);
    const all = await until(h, `/collect${path}`, (b) => b.flatMap((x) => x.failures).length >= 2, 'both failures');
    await context.close();
    const views = [...new Set(all.map((b) => b.page_view_id))].map((id) => merged(all, id));
    const statuses = views.map((v) => [v.url, v.failures.map((f) => f.status)]);
    assert.deepEqual(statuses, [[h.origin + path, [502]], [`${h.origin}${path}/next`, [504]]]);
  });
});
