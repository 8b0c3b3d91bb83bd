import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failedElement, FailureLog, MAX_FAILURES } from '../src/failures';
import { clean } from '../src/url';

test('failures: the same failure twice is one record with count 2; another status is another', () => {
  const log = new FailureLog();
  log.add('request', 'fetch', 'GET', 'https://a.example/api/orders/1', 500, 12.5);
  log.add('request', 'fetch', 'GET', 'https://a.example/api/orders/1', 500, 40);
  log.add('request', 'fetch', 'GET', 'https://a.example/api/orders/1', 0, 3);
  log.add('request', 'xhr', 'GET', 'https://a.example/api/orders/1', 500, 3);
  const out = log.take();
  assert.deepEqual(out.map((f) => [f.initiator, f.status, f.count]), [['fetch', 500, 2], ['fetch', 0, 1], ['xhr', 500, 1]]);
  assert.deepEqual(out[0], { kind: 'request', initiator: 'fetch', method: 'GET', url: 'https://a.example/api/orders/1', status: 500, duration: 12.5, count: 2 });
});

test('failures: a URL ending in digits with another status is another failure', () => {
  const log = new FailureLog();
  // '/api/1' with 500 and '/api/150' with 0 must not merge (their fields run into '/api/1500').
  log.add('request', 'fetch', 'GET', 'https://a.example/api/1', 500);
  log.add('request', 'fetch', 'GET', 'https://a.example/api/150', 0);
  assert.deepEqual(log.take().map((f) => [f.url, f.status, f.count]), [['https://a.example/api/1', 500, 1], ['https://a.example/api/150', 0, 1]]);
});

test('failures: take returns only what is new since the previous take', () => {
  const log = new FailureLog();
  log.add('resource', 'img', '', 'https://a.example/x.png', 404);
  assert.equal(log.take()[0].count, 1);
  assert.deepEqual(log.take(), []);
  log.add('resource', 'img', '', 'https://a.example/x.png', 404);
  log.add('resource', 'img', '', 'https://a.example/x.png', 404);
  assert.deepEqual(log.take().map((f) => f.count), [2]);
});

test(`failures: at most ${MAX_FAILURES} distinct failures per page view; known ones still count`, () => {
  const log = new FailureLog();
  for (let i = 0; i < MAX_FAILURES + 5; i++) log.add('request', 'fetch', 'GET', `https://a.example/${i}`, 500);
  log.add('request', 'fetch', 'GET', 'https://a.example/0', 500);
  const out = log.take();
  assert.equal(out.length, MAX_FAILURES);
  assert.equal(out[0].count, 2);
});

test('failures: an element that failed to load, as its tag and URL; anything else is not one', () => {
  assert.deepEqual(failedElement({ tagName: 'IMG', currentSrc: 'https://a.example/c.png', src: 'https://a.example/s.png' } as unknown as EventTarget), ['img', 'https://a.example/c.png']);
  assert.deepEqual(failedElement({ tagName: 'SCRIPT', src: 'https://a.example/app.js' } as unknown as EventTarget), ['script', 'https://a.example/app.js']);
  assert.deepEqual(failedElement({ tagName: 'LINK', href: 'https://a.example/s.css' } as unknown as EventTarget), ['link', 'https://a.example/s.css']);
  for (const tag of ['VIDEO', 'AUDIO', 'SOURCE']) assert.deepEqual(failedElement({ tagName: tag, src: 'u' } as unknown as EventTarget), [tag.toLowerCase(), 'u']);
  assert.deepEqual(failedElement({ tagName: 'IMG' } as unknown as EventTarget), ['img', '']);
  assert.equal(failedElement({ tagName: 'DIV', src: 'x' } as unknown as EventTarget), undefined);
  assert.equal(failedElement({ tagName: 'XIMG', src: 'x' } as unknown as EventTarget), undefined, 'the whole tag name');
  // Custom elements (a hyphen in their name) may fire `error` too: they load nothing themselves.
  assert.equal(failedElement({ tagName: 'IMG-ZOOM', src: 'x' } as unknown as EventTarget), undefined, 'a custom element');
  assert.equal(failedElement({ tagName: 'VIDEO-PLAYER', src: 'x' } as unknown as EventTarget), undefined, 'a custom element');
  assert.equal(failedElement({} as EventTarget), undefined, 'window itself: a script error');
  assert.equal(failedElement(null), undefined);
});

test('url: absolute, without query string or fragment; no origin leaves the scheme', () => {
  assert.equal(clean('/api/orders/7?token=secret#x', 'https://shop.example/app/'), 'https://shop.example/api/orders/7');
  assert.equal(clean('img/a.png', 'https://shop.example/app/page'), 'https://shop.example/app/img/a.png');
  assert.equal(clean('data:image/png;base64,AAAA'), 'data:');
  assert.equal(clean(new URL('https://x.example/p?q=1')), 'https://x.example/p');
  assert.equal(clean('https://x.example/' + 'a'.repeat(600)).length, 500);
  assert.equal(clean('no base here'), '', 'a relative URL without a page to resolve it');
});
