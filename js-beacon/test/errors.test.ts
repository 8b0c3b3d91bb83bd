import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorLog, MAX_ERRORS } from '../src/errors';

test('errors: the same error twice is one record with count 2', () => {
  const log = new ErrorLog();
  const err = new TypeError('x is undefined');
  log.add('error', err, 'x is undefined', 'https://a.example/app.js', 3, 7);
  log.add('error', err, 'x is undefined', 'https://a.example/app.js', 3, 7);
  const [only, ...rest] = log.take();
  assert.equal(rest.length, 0);
  assert.equal(only.count, 2);
  assert.equal(only.type, 'TypeError');
  assert.equal(only.line, 3);
  assert.match(only.stack ?? '', /TypeError: x is undefined/);
});

test('errors: take returns only what is new since the previous take', () => {
  const log = new ErrorLog();
  log.add('error', new Error('a'));
  assert.equal(log.take()[0].count, 1);
  assert.deepEqual(log.take(), []);
  log.add('error', new Error('a'));
  log.add('error', new Error('a'));
  const again = log.take();
  assert.equal(again.length, 1);
  assert.equal(again[0].count, 2);
});

test('errors: distinct errors are capped per page view', () => {
  const log = new ErrorLog();
  for (let i = 0; i < MAX_ERRORS + 5; i++) log.add('error', new Error('e' + i));
  assert.equal(log.take().length, MAX_ERRORS);
});

test('errors: a rejection with a non-Error reason keeps its text', () => {
  const log = new ErrorLog();
  log.add('unhandledrejection', 'plain string reason');
  const [rec] = log.take();
  assert.equal(rec.kind, 'unhandledrejection');
  assert.equal(rec.type, 'string');
  assert.equal(rec.message, 'plain string reason');
});

test('errors: long fields are cut (type 64, message 500, source 300); missing ones are empty or 0', () => {
  const log = new ErrorLog();
  const err = Object.assign(new Error('m'.repeat(600)), { name: 'N'.repeat(100) });
  log.add('error', err, undefined, 'https://a.example/' + 's'.repeat(400));
  log.add('unhandledrejection', new Error('no place'));
  const [long, bare] = log.take();
  assert.equal(long.type, 'N'.repeat(64));
  assert.equal(long.message, 'm'.repeat(500));
  assert.equal(long.source, 'https://a.example/' + 's'.repeat(282));
  assert.deepEqual([bare.source, bare.line, bare.column], ['', 0, 0]);
});

test('errors: the place is kept; the same message at 1:23 and at 12:3 is two records', () => {
  const log = new ErrorLog();
  log.add('error', new Error('boom'), 'Uncaught Error: boom', 'https://a.example/app.js', 1, 23);
  log.add('error', new Error('boom'), 'Uncaught Error: boom', 'https://a.example/app.js', 12, 3);
  assert.deepEqual(log.take().map((e) => [e.line, e.column, e.count]), [[1, 23, 1], [12, 3, 1]]);
});

test("errors: a '|' in a message or a source does not merge two errors", () => {
  const log = new ErrorLog();
  log.add('error', new Error('a|b'), undefined, 'c', 1, 1);
  log.add('error', new Error('a'), undefined, 'b|c', 1, 1);
  assert.deepEqual(log.take().map((e) => [e.message, e.source, e.count]), [['a|b', 'c', 1], ['a', 'b|c', 1]]);
});

test('errors: a cross-origin "Script error." has no Error (null): the event text, no stack', () => {
  const log = new ErrorLog();
  log.add('error', null, 'Script error.', '', 0, 0);
  const [rec] = log.take();
  assert.equal(rec.type, 'object'); // typeof null
  assert.equal(rec.message, 'Script error.');
  assert.equal(rec.stack, '');
});

test('errors: a thrown value that is no Error has no stack, and its own properties are not read', () => {
  const log = new ErrorLog();
  log.add('unhandledrejection', 'plain string reason');
  // A thrown function (a class thrown without `new`) with a `message` of its own.
  log.add('error', Object.assign(() => undefined, { message: 'its own' }), 'Uncaught function', 'https://a.example/app.js', 2, 2);
  const [text, fn] = log.take();
  assert.equal(text.stack, '');
  assert.equal(fn.type, 'function');
  assert.equal(fn.message, 'Uncaught function');
  assert.equal(fn.stack, '');
});

test('errors: a thrown object without a message gives the event text', () => {
  const log = new ErrorLog();
  log.add('error', { code: 7 }, 'Uncaught [object Object]', 'https://a.example/app.js', 4, 1);
  log.add('unhandledrejection', { code: 8 });
  const [thrown, rejected] = log.take();
  assert.equal(thrown.type, '', 'an object without a name');
  assert.equal(thrown.message, 'Uncaught [object Object]');
  assert.equal(rejected.message, '[object Object]');
});
