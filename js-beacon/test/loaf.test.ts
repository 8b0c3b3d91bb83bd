import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoafLog, MAX_SCRIPTS, type Frame } from '../src/loaf';

const script = (sourceURL: string, duration: number, sourceFunctionName = 'f', invokerType = 'event-listener'): Frame['scripts'][number] =>
  ({ sourceURL, sourceFunctionName, invokerType, duration });

test('loaf: count, total blocking, longest; scripts summed by URL, function and invoker with their share of blocking', () => {
  const log = new LoafLog();
  // A 200 ms frame blocks 150 ms: a script that ran 100 ms of it owns half of that.
  log.add({ startTime: 0, duration: 200, blockingDuration: 150, scripts: [script('https://a.example/app.js?v=1', 100, 'onClick'), script('https://a.example/lib.js', 50)] });
  log.add({ startTime: 500, duration: 80, blockingDuration: 30, scripts: [script('https://a.example/app.js?v=2', 40, 'onClick')] });
  const s = log._summary();
  assert.equal(s.count, 2);
  assert.equal(s.blocking, 180);
  assert.equal(s.longest, 200);
  assert.deepEqual(s.scripts, [
    { url: 'https://a.example/app.js', function: 'onClick', invoker: 'event-listener', duration: 140, blocking: 75 + 15 },
    { url: 'https://a.example/lib.js', function: 'f', invoker: 'event-listener', duration: 50, blocking: 37.5 },
  ]);
});

test('loaf: another function or invoker of the same script is another entry; no URL stays empty', () => {
  const log = new LoafLog();
  log.add({ startTime: 0, duration: 100, blockingDuration: 50, scripts: [script('', 10, 'a'), script('', 10, 'b'), script('', 10, 'a', 'user-callback')] });
  assert.deepEqual(log._summary().scripts?.map((x) => [x.url, x.function, x.invoker]), [['', 'a', 'event-listener'], ['', 'b', 'event-listener'], ['', 'a', 'user-callback']]);
});

test('loaf: a URL and a function name do not run into each other', () => {
  const log = new LoafLog();
  // 'lib' + 'Init' and 'libInit' + an anonymous function are two scripts.
  log.add({ startTime: 0, duration: 100, blockingDuration: 50, scripts: [script('https://a.example/lib', 20, 'Init'), script('https://a.example/libInit', 10, '')] });
  assert.deepEqual(log._summary().scripts?.map((x) => [x.url, x.function, x.duration]), [['https://a.example/lib', 'Init', 20], ['https://a.example/libInit', '', 10]]);
});

test("loaf: a '|' in a URL or a function name does not merge two scripts", () => {
  const log = new LoafLog();
  log.add({ startTime: 0, duration: 100, blockingDuration: 0, scripts: [script('https://a.example/x|y', 20, 'f'), script('https://a.example/x', 10, 'y|f')] });
  assert.deepEqual(log._summary().scripts?.map((x) => [x.url, x.function, x.duration]), [['https://a.example/x|y', 'f', 20], ['https://a.example/x', 'y|f', 10]]);
});

test('loaf: after 64 distinct scripts no new one is followed; the known ones still add up', () => {
  const log = new LoafLog();
  const scripts = Array.from({ length: 64 }, (_, i) => script(`https://a.example/${i}.js`, 1));
  log.add({ startTime: 0, duration: 100, blockingDuration: 0, scripts });
  log.add({ startTime: 500, duration: 100, blockingDuration: 0, scripts: [script('https://a.example/new.js', 90), script('https://a.example/7.js', 50)] });
  // new.js (90 ms) would come first were it followed.
  assert.deepEqual(log._summary().scripts?.slice(0, 2).map((x) => [x.url, x.duration]), [['https://a.example/7.js', 51], ['https://a.example/0.js', 1]]);
});

test(`loaf: the ${MAX_SCRIPTS} longest scripts are sent, longest first`, () => {
  const log = new LoafLog();
  const scripts = Array.from({ length: 12 }, (_, i) => script(`https://a.example/${i}.js`, i + 1));
  log.add({ startTime: 0, duration: 100, blockingDuration: 50, scripts });
  const sent = log._summary().scripts ?? [];
  assert.equal(sent.length, MAX_SCRIPTS);
  assert.deepEqual(sent.map((x) => x.duration), [12, 11, 10, 9, 8, 7, 6, 5]);
});

test('loaf: a page view without long frames says so with zeros', () => {
  assert.deepEqual(new LoafLog()._summary(), { count: 0, blocking: 0, longest: 0, scripts: [] });
});
