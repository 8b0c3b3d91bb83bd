import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type KeyValue, newId, SESSION_IDLE_MS, session } from '../src/ids';

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
