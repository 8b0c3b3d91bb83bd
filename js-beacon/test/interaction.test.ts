import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEW_INTERACTIONS, Interactions, Shifts, type EventEntry } from '../src/interaction';

const ev = (interactionId: number, duration: number, startTime = 100, name = 'pointerdown'): EventEntry =>
  ({ name, interactionId, startTime, duration, processingStart: startTime + 10, processingEnd: startTime + 60 });

test('interactions: INP is the longest interaction, with its phases', () => {
  const i = new Interactions();
  assert.equal(i._inp(), undefined, 'no interaction, no INP');
  i.add(ev(1, 48));
  i.add(ev(2, 120, 1000));
  i.add(ev(2, 112, 1000, 'click'));
  i.add(ev(0, 500)); // not an interaction (a mouseover)
  assert.deepEqual(i._inp(), { name: 'INP', value: 120, phases: { input_delay: 10, processing_duration: 50, presentation_delay: 60 } });
});

test('interactions: the presentation delay is never negative (durations are rounded to 8 ms)', () => {
  const i = new Interactions();
  i.add({ name: 'keydown', interactionId: 5, startTime: 0, duration: 56, processingStart: 2, processingEnd: 59 });
  assert.equal(i._inp()?.phases?.presentation_delay, 0);
});

test('interactions: of entries as long, the first is kept with its phases', () => {
  const i = new Interactions();
  // pointerup and click of one tap often end in the same frame: the same duration.
  i.add({ name: 'pointerup', interactionId: 3, startTime: 100, duration: 96, processingStart: 120, processingEnd: 150 });
  i.add({ name: 'click', interactionId: 3, startTime: 100, duration: 96, processingStart: 150, processingEnd: 170 });
  assert.deepEqual(i._inp(), { name: 'INP', value: 96, phases: { input_delay: 20, processing_duration: 30, presentation_delay: 46 } });
});

test(`interactions: from ${FEW_INTERACTIONS} interactions on, INP is web-vitals' (its p98 is not the longest)`, () => {
  const i = new Interactions();
  for (let n = 1; n < FEW_INTERACTIONS; n++) i.add(ev(n, 50));
  assert.equal(i._inp()?.value, 50);
  i.add(ev(FEW_INTERACTIONS, 400));
  assert.equal(i._inp(), undefined);
});

test('shifts: CLS is the largest session window (gaps under 1 s, windows under 5 s), without shifts after input', () => {
  const s = new Shifts();
  assert.equal(s._max, 0);
  s.add({ startTime: 0, value: 0.1, hadRecentInput: false });
  s.add({ startTime: 900, value: 0.1, hadRecentInput: false });
  s.add({ startTime: 1000, value: 5, hadRecentInput: true });
  assert.ok(Math.abs(s._max - 0.2) < 1e-9);
  s.add({ startTime: 2000, value: 0.15, hadRecentInput: false }); // 1.1 s gap: a new window
  assert.ok(Math.abs(s._max - 0.2) < 1e-9);
  for (let t = 2500; t < 7000; t += 500) s.add({ startTime: t, value: 0.05, hadRecentInput: false });
  // The window from 2000 closes before 7000 (5 s); it summed 0.15 + 9 × 0.05.
  assert.ok(Math.abs(s._max - 0.6) < 1e-9, `${s._max}`);
  s.add({ startTime: 7000, value: 0.05, hadRecentInput: false });
  assert.ok(Math.abs(s._max - 0.6) < 1e-9, 'a shift 5 s after the window began starts a new one');
});

test('shifts: a shift exactly 1 s after the previous one starts a new window', () => {
  const s = new Shifts();
  s.add({ startTime: 0, value: 0.1, hadRecentInput: false });
  s.add({ startTime: 1000, value: 0.1, hadRecentInput: false });
  assert.equal(s._max, 0.1);
});
