import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Beacon } from '../src/payload';
import { Shifts } from '../src/interaction';
import { LoafLog } from '../src/loaf';
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

const inp = (value: number) => ({ name: 'INP', value, target: '#buy', phases: {} });
const tap = (interactionId: number, duration: number) =>
  ({ name: 'pointerdown', interactionId, startTime: 10, duration, processingStart: 12, processingEnd: 20 });
const sent = (pv: PageView): Beacon => parse(pv.payload('u', '', {}));

test("pageview: web-vitals' INP is sent, unless an interaction it missed was longer (the last before leaving)", () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.metric(inp(200));
  pv._inter.add(tap(1, 120));
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value, m.target]), [['INP', 200, '#buy']]);
  pv._inter.add(tap(2, 320)); // reported to nobody before the page was hidden
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value, m.target]), [['INP', 320, undefined]]);
  pv.metric(inp(320)); // web-vitals caught up: its attribution is richer
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value, m.target]), [['INP', 320, '#buy']]);
});

test("pageview: without web-vitals' values (a route the browser did not see), its own INP and CLS span are sent", () => {
  const pv = new PageView('shop', () => 'sessionid1', 'soft-navigation', 5000, 'https://s.example/app/orders/1');
  pv._shifts = new Shifts();
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value]), [['CLS', 0]]);
  pv._shifts.add({ startTime: 5100, value: 0.25, hadRecentInput: false });
  pv._inter.add(tap(9, 64));
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value]).sort(), [['CLS', 0.25], ['INP', 64]]);
  pv.metric({ name: 'CLS', value: 0.1, phases: {} }); // web-vitals' own value wins when it comes
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value]), [['CLS', 0.1]]);
  assert.equal(pv.payload('u', '', {}), undefined, 'nothing new');
});

test('pageview: without a layout-shift observer there is no CLS of its own', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  assert.deepEqual(sent(pv).metrics, []);
});

test('pageview: failures and long animation frames are sent; new frames alone make a new beacon', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  assert.equal(sent(pv).loaf, undefined, 'no loaf where the browser does not report frames');
  pv._loaf = new LoafLog();
  pv._failures.add('request', 'fetch', 'GET', 'https://s.example/api', 500, 12.345678);
  const first = sent(pv);
  assert.deepEqual(first.failures, [{ kind: 'request', initiator: 'fetch', method: 'GET', url: 'https://s.example/api', status: 500, duration: 12.3457, count: 1 }]);
  assert.deepEqual(first.loaf, { count: 0, blocking: 0, longest: 0, scripts: [] });
  assert.equal(pv.payload('u', '', {}), undefined);
  pv._loaf.add({ startTime: 1, duration: 120, blockingDuration: 70, scripts: [] });
  const second = sent(pv);
  assert.deepEqual([second.seq, second.loaf?.count, second.loaf?.longest, second.failures], [2, 1, 120, []]);
  pv._failures.add('request', 'fetch', 'GET', 'https://s.example/api', 500, 3);
  assert.deepEqual(sent(pv).failures?.map((f) => f.count), [1]);
});

test('pageview: numbers are sent to 4 decimals', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.metric({ name: 'FCP', value: 48.200000000186265, phases: { first_byte_to_fcp: 1 / 3 } });
  const [m] = sent(pv).metrics ?? [];
  assert.deepEqual([m.value, m.phases?.first_byte_to_fcp], [48.2, 0.3333]);
});

test('pageview: dimension values and event names are cut to their limits', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.set('plan', 'v'.repeat(300));
  pv.event('n'.repeat(100), 1);
  const b = sent(pv);
  assert.equal(b.dims?.plan, 'v'.repeat(256));
  assert.deepEqual(b.events, [{ name: 'n'.repeat(64), value: 1 }]);
});

test('pageview: an event value is a number, or null where there is none', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  pv.event('a', 12);
  pv.event('b', '3.5');
  pv.event('c', null);
  pv.event('d');
  pv.event('e', 'many');
  pv.event('f', Infinity);
  assert.deepEqual(sent(pv).events?.map((e) => [e.name, e.value]), [['a', 12], ['b', 3.5], ['c', null], ['d', null], ['e', null], ['f', null]]);
});

test('pageview: any two new things make a new beacon', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'navigate');
  sent(pv);
  const fail = () => pv._failures.add('request', 'fetch', 'GET', 'https://s.example/api', 500, 3);
  const error = () => pv._errors.add('error', new Error('boom'));
  pv.metric(lcp(1200));
  pv.event('clicked');
  assert.notEqual(pv.payload('u', '', {}), undefined, 'a metric and an event');
  pv.metric(lcp(1300));
  fail();
  assert.notEqual(pv.payload('u', '', {}), undefined, 'a metric and a failure');
  pv.metric(lcp(1400));
  error();
  assert.notEqual(pv.payload('u', '', {}), undefined, 'a metric and an error');
  assert.equal(pv.payload('u', '', {}), undefined, 'then nothing new');
});

test('pageview: its own CLS is sent again only when it changed', () => {
  const pv = new PageView('shop', () => 'sessionid1', 'soft-navigation', 0, 'https://s.example/app');
  pv._shifts = new Shifts();
  pv._shifts.add({ startTime: 100, value: 0.2, hadRecentInput: false });
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value]), [['CLS', 0.2]]);
  pv.event('clicked');
  assert.deepEqual(sent(pv).metrics, [], 'unchanged: not re-sent');
  assert.equal(pv.payload('u', '', {}), undefined, 'nothing new');
  pv._shifts.add({ startTime: 200, value: 0.1, hadRecentInput: false });
  assert.deepEqual(sent(pv).metrics?.map((m) => [m.name, m.value]), [['CLS', 0.3]]);
});

test('pageview: a beacon of up to 60,000 characters keeps its stacks; a longer one drops them', () => {
  const real = performance.now.bind(performance);
  performance.now = () => 1000;
  try {
    const withErrors = () => {
      const pv = new PageView('shop', () => 'sessionid1', 'navigate');
      for (let i = 0; i < 20; i++) pv._errors.add('error', { name: 'TypeError', message: 'boom ' + i, stack: 's'.repeat(1500) });
      return pv;
    };
    const base = withErrors().payload('', '', {}) ?? '';
    assert.ok(base.length < 60_000 && base.length > 30_000, `base ${base.length}`);
    const fits = withErrors().payload('u'.repeat(60_000 - base.length), '', {}) ?? '';
    assert.equal(fits.length, 60_000);
    assert.deepEqual(parse(fits).errors?.map((e) => e.stack?.length), Array(20).fill(1500));
    const over = withErrors().payload('u'.repeat(60_001 - base.length), '', {}) ?? '';
    assert.deepEqual(parse(over).errors?.map((e) => [e.message, e.stack]), Array.from({ length: 20 }, (_, i) => ['boom ' + i, '']));
    assert.ok(over.length < 60_000);
  } finally {
    performance.now = real;
  }
});
