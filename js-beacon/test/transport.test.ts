import assert from 'node:assert/strict';
import { test } from 'node:test';
import { send } from '../src/transport';

test('transport: sendBeacon is used when it accepts', () => {
  const calls: string[] = [];
  const ok = send('https://c.example/v1/beacon', '{}', {
    sendBeacon: (url) => (calls.push('beacon ' + url), true),
    fetch: async () => calls.push('fetch'),
  });
  assert.ok(ok);
  assert.deepEqual(calls, ['beacon https://c.example/v1/beacon']);
});

test('transport: falls back to fetch keepalive when sendBeacon refuses', () => {
  const inits: RequestInit[] = [];
  send('u', '{"a":1}', { sendBeacon: () => false, fetch: async (_u, init) => inits.push(init) });
  assert.equal(inits.length, 1);
  assert.equal(inits[0].keepalive, true);
  assert.equal(inits[0].method, 'POST');
  assert.equal(inits[0].body, '{"a":1}');
  assert.deepEqual(inits[0].headers, { 'Content-Type': 'text/plain' });
});

test('transport: a throwing sendBeacon falls back and never throws', () => {
  let fetched = false;
  const ok = send('u', 'x', {
    sendBeacon: () => {
      throw new TypeError('blocked');
    },
    fetch: async () => (fetched = true),
  });
  assert.ok(ok && fetched);
  assert.equal(send('u', 'x', {}), false);
});
