/**
 * Failed requests and resources in chromium: what rum.js sends about them, and that the page
 * sees exactly what it sees without rum.js (the same battery of fetch, XHR and history calls
 * runs in the same page with and without it, and what the page observed is compared).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closedPort, start, tab, until, type Harness } from './chromium';

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
});
