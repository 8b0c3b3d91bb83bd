import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepSession, type KeyValue, newId, SESSION_IDLE_MS, session } from '../src/ids';

const memory = (): KeyValue & { data: Map<string, string> } => {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
};

test('ids: page view ids match the collector pattern and sort by time', () => {
  const a = newId(1_700_000_000_000);
  const b = newId(1_700_000_000_001);
  assert.match(a, /^[A-Za-z0-9_-]{8,64}$/);
  assert.ok(a.slice(0, 8) < b.slice(0, 8));
});

test('ids: the session survives within the idle timeout', () => {
  const s = memory();
  const first = session(s, 1_000_000);
  assert.equal(session(s, 1_000_000 + SESSION_IDLE_MS - 1), first);
});

test('ids: a new session starts after the idle timeout', () => {
  const s = memory();
  const first = session(s, 1_000_000);
  assert.notEqual(session(s, 1_000_000 + SESSION_IDLE_MS + 1), first);
});

test('ids: without storage every call is a fresh id and nothing throws', () => {
  const broken: KeyValue = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => undefined,
  };
  assert.match(session(broken), /^[a-z0-9]{8,}$/);
  assert.match(session(undefined), /^[a-z0-9]{8,}$/);
});

test('ids: a session idle for exactly the timeout starts a new one', () => {
  const s = memory();
  const first = session(s, 1_000_000);
  assert.notEqual(session(s, 1_000_000 + SESSION_IDLE_MS), first);
});

test('ids: the random part is always 8 characters, padded with zeros', (t) => {
  t.mock.method(Math, 'random', () => 0.5); // base 36: "0.i", one digit
  assert.equal(newId(36 ** 7), '10000000i0000000');
});

test('ids: sampling keeps a session when its last four base-36 digits, over 36^4, are below the rate', () => {
  // "i000" is 18 * 36^3 = 839,808 = 36^4 / 2 exactly; "0000" is 0; "zzzz" is 36^4 - 1.
  assert.equal(keepSession('abcdi000', 0.5), false, 'half is not below a half');
  assert.equal(keepSession('abcdi000', 0.51), true);
  assert.equal(keepSession('abcd0000', 0.0001), true);
  assert.equal(keepSession('abcd0000', 0), false, 'a rate of 0 keeps nothing');
  assert.equal(keepSession('abcdzzzz', 0.9999), false);
  assert.equal(keepSession('abcdzzzz', 1), true);
  assert.equal(keepSession('abcd-__-', 1), true, 'at 1, every session, whatever its id');
  assert.equal(keepSession('abcd-__-', 0.99), false);
});
