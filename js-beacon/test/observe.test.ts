import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observe } from '../src/observe';

// A stand-in for the browser's PerformanceObserver: node has one, but it reports no page
// entry types. It keeps the records a test puts in it until takeRecords().
class Recorder {
  static supportedEntryTypes = ['event', 'long-animation-frame'];
  static last: Recorder | undefined;
  pending: unknown[] = [];
  constructor(readonly callback: unknown) {
    Recorder.last = this;
  }
  observe(): void {}
  takeRecords(): unknown[] {
    const records = this.pending;
    this.pending = [];
    return records;
  }
}

test('observe: nothing for a type the browser does not report; pending records handed over on demand', () => {
  const global = globalThis as { PerformanceObserver?: unknown };
  const saved = global.PerformanceObserver;
  global.PerformanceObserver = Recorder;
  try {
    const seen: unknown[][] = [];
    assert.equal(observe('paint', (e) => seen.push(e)), undefined, 'not reported: no observer');
    const flush = observe('event', (e: unknown[]) => seen.push(e)); // the first type listed
    assert.equal(typeof flush, 'function');
    Recorder.last!.pending = [{ name: 'click' }];
    flush!();
    assert.deepEqual(seen, [[{ name: 'click' }]], 'the records not yet delivered, before a beacon');
  } finally {
    global.PerformanceObserver = saved;
  }
});
