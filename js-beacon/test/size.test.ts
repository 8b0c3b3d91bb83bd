import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The beacon's size budget: rum.js after gzip -9 (site owners pay it on every page). */
export const BUDGET = 10_000;

test(`size: dist/rum.js is at most ${BUDGET} bytes after gzip -9`, () => {
  const file = fileURLToPath(new URL('../../dist/rum.js', import.meta.url));
  const js = readFileSync(file);
  const size = execFileSync('gzip', ['-9c', file]).length;
  console.log(`rum.js: ${js.length} bytes, ${size} bytes gzip -9 (budget ${BUDGET})`);
  assert.ok(size <= BUDGET, `rum.js is ${size} bytes gzipped, over the ${BUDGET}-byte budget`);
});

test('size: rum.js has no eval, no Function constructor and loads no scripts', () => {
  const js = readFileSync(new URL('../../dist/rum.js', import.meta.url), 'utf8');
  assert.doesNotMatch(js, /\beval\(|new Function\(|createElement\(["']script/);
});
