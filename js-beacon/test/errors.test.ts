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
