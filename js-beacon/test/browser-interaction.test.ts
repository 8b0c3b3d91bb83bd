/**
 * Long animation frames and the last interaction, in chromium. The last-interaction test
 * also measures how often a click followed by leaving the page 0.3 s later gets an INP, with
 * rum.js and with web-vitals alone (its documented callback, sending at once): BENCHMARKS.md
 * quotes the figures it prints.
 *
 * "Nothing was sent" is never read from a wait: after each visit the same tab loads a control
 * page whose beacon must arrive; beacons from one tab arrive in the order the pages sent them.
 */
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { hideAndShow, merged, start, tab, until, type Beacon, type Harness } from './chromium';

let h: Harness;
before(async () => {
  h = await start();
  // web-vitals alone, as its README shows: onINP with a callback that sends the metric.
  const out = await build({
    stdin: {
      contents: "import { onINP } from 'web-vitals/attribution'; onINP((m) => navigator.sendBeacon(window.WV_ENDPOINT, JSON.stringify({ name: m.name, value: m.value })));",
      resolveDir: process.cwd(),
    },
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
    logLevel: 'warning',
  });
  h.files.set('/wv.js', out.outputFiles[0].text);
});
after(() => h?.close());

// A button whose listener works for 120 ms (a named function: LoAF names it).
const SLOW = `
function slowClick() { const end = performance.now() + 120; while (performance.now() < end); document.querySelector('p').textContent = 'done'; }
addEventListener('DOMContentLoaded', () => document.querySelector('button').addEventListener('click', slowClick));
`;
const LEAVE = `addEventListener('DOMContentLoaded', () => document.querySelector('button').addEventListener('click', () => setTimeout(() => { location.href = '/other'; }, 300)));`;


let controls = 0;
/** Loads a control page in the tab and leaves it; resolves once its beacon is in. */
const control = async (p: Page): Promise<void> => {
  const path = `/control-${++controls}`;
  h.pages.set(path, `<!doctype html><script src="/static/rum.js" data-site="control" data-endpoint="/collect${path}"></script><p>control</p>`);
  await p.goto(h.origin + path, { waitUntil: 'load' });
  await p.goto(`${h.origin}/other`);
  await until(h, `/collect${path}`, (b) => b.length > 0);
};

describe('interactions in chromium', { concurrency: true }, () => {
  test('a slow click sends its long animation frame, the script that ran, and INP attributed to it', async () => {
    const path = '/slow';
    h.pages.set(path, `<!doctype html><script>${SLOW}</script><script src="/static/rum.js" data-site="slow" data-endpoint="/collect${path}"></script><button>buy</button><p>ready</p>`);
    const [context, p] = await tab(h);
    await p.goto(h.origin + path, { waitUntil: 'load' });
    await p.click('button');
    await p.waitForFunction(() => document.querySelector('p')?.textContent === 'done');
    // web-vitals reports the INP it has on a later hide (issue #724): hide until it has.
    const found = (b: Beacon[]): boolean => b.some((x) => x.metrics.some((m) => m.name === 'INP' && m.script_function));
    const deadline = Date.now() + 15_000;
    while (!found(h.received.filter((r) => r.path === `/collect${path}`).map((r) => r.beacon))) {
      assert.ok(Date.now() < deadline, 'no INP with its script arrived');
      await hideAndShow(p);
      await new Promise((r) => setTimeout(r, 100));
    }
    const all = await until(h, `/collect${path}`, found);
    await context.close();
    const v = merged(all, all[0].page_view_id);
    const loaf = v.loaf;
    assert.ok(loaf && (loaf.count ?? 0) >= 1, JSON.stringify(loaf));
    assert.ok((loaf.longest ?? 0) >= 120, `longest ${loaf.longest}`);
    assert.ok((loaf.blocking ?? 0) >= 70, `blocking ${loaf.blocking}: the frame's excess over 50 ms`);
    const slow = loaf.scripts?.find((s) => s.function === 'slowClick');
    assert.ok(slow, JSON.stringify(loaf.scripts));
    assert.deepEqual([slow.url, slow.invoker], [h.origin + path, 'event-listener']);
    assert.ok((slow.duration ?? 0) >= 120 && (slow.blocking ?? 0) >= 50, JSON.stringify(slow));
    const inp = v.metrics.get('INP');
    assert.ok(inp && inp.value >= 120, JSON.stringify(inp));
    assert.deepEqual([inp.script_url, inp.script_function], [h.origin + path, 'slowClick']);
  });

  test('a click followed by leaving 0.3 s later sends its INP (measured against web-vitals alone)', async () => {
    const RUNS = 5;
    const rate = { rum: 0, wv: 0 };
    for (let i = 0; i < RUNS; i++) {
      for (const who of ['rum', 'wv'] as const) {
        const path = `/last-${who}-${i}`;
        const script = who === 'rum'
          ? `<script src="/static/rum.js" data-site="last" data-endpoint="/collect${path}"></script>`
          : `<script>window.WV_ENDPOINT = '/collect${path}';</script><script src="/wv.js"></script>`;
        h.pages.set(path, `<!doctype html><script>${SLOW}${LEAVE}</script>${script}<button>buy</button><p>ready</p>`);
        const [context, p] = await tab(h);
        await p.goto(h.origin + path, { waitUntil: 'load' });
        await p.click('button');
        await p.waitForURL(`${h.origin}/other`);
        await control(p);
        await context.close();
        const sent = h.received.filter((r) => r.path === `/collect${path}`).map((r) => r.beacon as unknown as { name?: string; value?: number; metrics?: { name: string; value: number }[] });
        const inps = sent.flatMap((b) => (b.name === 'INP' ? [b] : (b.metrics ?? []).filter((m) => m.name === 'INP')));
        if (inps.some((m) => (m.value ?? 0) >= 120)) rate[who]++;
      }
    }
    console.log(`last interaction: INP sent in ${rate.rum}/${RUNS} runs with rum.js, ${rate.wv}/${RUNS} with web-vitals alone`);
    assert.equal(rate.rum, RUNS, 'rum.js sends the INP of the last interaction every time');
    assert.ok(rate.rum >= rate.wv);
  });
});
