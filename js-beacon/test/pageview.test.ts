import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Beacon } from '../src/payload';
import { MAX_DIMS, MAX_EVENTS, PageView } from '../src/pageview';

const parse = (s: string | undefined): Beacon => JSON.parse(s ?? 'null') as Beacon;
const lcp = (value: number) => ({ name: 'LCP', value, phases: {} });

test('pageview: the first beacon is sent even with nothing measured', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  const b = parse(pv.payload('https://s.example/p', '', {}));
  assert.equal(b.seq, 0);
  assert.equal(b.site, 'shop');
  assert.match(b.page_view_id, /^[A-Za-z0-9_-]{8,64}$/);
});

test('pageview: a later beacon carries only changed metrics, with the next seq', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.metric(lcp(1200));
  pv.metric({ name: 'CLS', value: 0.01, phases: {} });
  assert.equal(parse(pv.payload('u', '', {})).metrics?.length, 2);
  assert.equal(pv.payload('u', '', {}), undefined);
  pv.metric({ name: 'CLS', value: 0.3, phases: {} });
  const again = parse(pv.payload('u', '', {}));
  assert.equal(again.seq, 1);
  assert.deepEqual(again.metrics?.map((m) => [m.name, m.value]), [['CLS', 0.3]]);
});

test('pageview: dimensions and events are bounded', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  for (let i = 0; i < MAX_DIMS + 5; i++) pv.set('k' + i, i);
  for (let i = 0; i < MAX_EVENTS + 5; i++) pv.event('e', i);
  const b = parse(pv.payload('u', '', {}));
  assert.equal(Object.keys(b.dims ?? {}).length, MAX_DIMS);
  assert.equal(b.events?.length, MAX_EVENTS);
  assert.equal(b.dims?.k0, '0');
});

test('pageview: a label set by the site is sent with every beacon', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.page('Product detail');
  assert.equal(parse(pv.payload('u', '', {})).label, 'Product detail');
  pv.metric(lcp(900));
  assert.equal(parse(pv.payload('u', '', {})).label, 'Product detail');
});

test('pageview: each beacon says how long ago the page view started', () => {
  // A fake clock: performance.now() says what the test sets.
  const real = performance.now.bind(performance);
  let now = 5000.4;
  performance.now = () => now;
  try {
    const restored = new PageView('shop', () => 'sessionid1', 'back_forward_cache', 4000);
    assert.equal(parse(restored.payload('u', '', {})).elapsed, 1000, 'since the restore, rounded');
    now = 7500;
    restored.event('later');
    assert.equal(parse(restored.payload('u', '', {})).elapsed, 3500);
    const navigated = new PageView('shop', () => 'sessionid1', 'navigate');
    assert.equal(parse(navigated.payload('u', '', {})).elapsed, 7500, 'since the navigation');
  } finally {
    performance.now = real;
  }
});

test('pageview: the session id is asked for only when a beacon is built', () => {
  let asked = 0;
  const pv = new PageView('shop', () => (asked++, 'sessionid1'), 'navigate');
  pv.metric(lcp(1200));
  assert.equal(asked, 0);
  assert.equal(parse(pv.payload('u', '', {})).session_id, 'sessionid1');
  assert.equal(asked, 1);
});
