import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';

/** dist/loader.js with its placeholders replaced as the collector's /snippet does. */
const snippet = (privacy: string): string =>
  readFileSync('dist/loader.js', 'utf8')
    .replace('"__RUM_SRC__"', '"https://rum.example/rum.js"')
    .replace('"__RUM_SITE__"', '"shop"')
    .replace('"__RUM_ENDPOINT__"', '"https://rum.example/v1/beacon"')
    .replace('"__RUM_SAMPLE__"', '"0.5"')
    .replace('"__RUM_PRIVACY__"', JSON.stringify(privacy));

interface Script {
  async?: boolean;
  src?: string;
  dataset: Record<string, string>;
}

/** Runs the snippet against a page of plain objects; what it appended, and where. */
const run = (privacy: string, head = true) => {
  const appended: { into: string; script: Script }[] = [];
  const parent = (into: string) => ({ appendChild: (script: Script) => appended.push({ into, script }) });
  const document = {
    head: head ? parent('head') : null,
    documentElement: parent('html'),
    createElement: (): Script => ({ dataset: {} }),
  };
  const window: { rumhouse?: ((...a: unknown[]) => void) & { q?: IArguments[] } } = {};
  // process: Stryker's instrumented build reads the mutant to run from its environment.
  runInNewContext(snippet(privacy), { window, document, process });
  return { appended, window };
};

test('loader: one async script with the site, endpoint and sample, in <head>', () => {
  const { appended } = run('');
  assert.equal(appended.length, 1);
  const [{ into, script }] = appended;
  assert.equal(into, 'head');
  assert.equal(script.async, true);
  assert.equal(script.src, 'https://rum.example/rum.js');
  assert.deepEqual(script.dataset, { site: 'shop', endpoint: 'https://rum.example/v1/beacon', sample: '0.5' });
});

test("loader: the site's privacy asks become the script's data attributes", () => {
  assert.deepEqual(run('gpc').appended[0].script.dataset.respectGpc, '');
  assert.equal(run('gpc').appended[0].script.dataset.consent, undefined);
  assert.equal(run('consent').appended[0].script.dataset.consent, 'required');
  assert.equal('respectGpc' in run('consent').appended[0].script.dataset, false);
  const both = run('consent gpc').appended[0].script.dataset;
  assert.deepEqual([both.consent, both.respectGpc], ['required', '']);
});

test('loader: a page without <head> gets the script on its root element', () => {
  assert.equal(run('', false).appended[0].into, 'html');
});

test('loader: rumhouse() queues its calls, and only those, for rum.js', () => {
  const { window } = run('');
  assert.equal(window.rumhouse?.q?.length, 0);
  window.rumhouse?.('page', 'checkout');
  assert.deepEqual(Array.from(window.rumhouse?.q ?? [], (args) => [...args]), [['page', 'checkout']]);
});
