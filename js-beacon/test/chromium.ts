/**
 * Shared by the feature tests in chromium: a local HTTP server that serves test pages, the
 * built `dist/*.js`, answers `/status/<code>` with that status, and records every beacon
 * POSTed to it; and Debian's chromium, launched once per test file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Beacon as Payload } from '../src/payload';

/** A beacon as rum.js sends it: every field but the navigation timing and LoAF is there. */
export type Beacon = { [K in keyof Payload]-?: NonNullable<Payload[K]> } & { nav?: Payload['nav']; loaf?: Payload['loaf'] };

export interface Harness {
  origin: string;
  browser: Browser;
  received: { path: string; beacon: Beacon }[];
  pages: Map<string, string>;
  /** Extra files served by path (a script built for the test). */
  files: Map<string, string>;
  close(): Promise<void>;
}

// Stryker (`make mutation`) runs the tests against each mutant of src/; the bundle it built
// picks the mutant from `__stryker__.activeMutant`, which a browser has to be given.
const MUTANT = process.env.__STRYKER_ACTIVE_MUTANT__;
export const INIT = MUTANT === undefined ? '' : `window.__stryker__ = { activeMutant: ${JSON.stringify(MUTANT)} };`;

export const start = async (): Promise<Harness> => {
  const h = { received: [], pages: new Map(), files: new Map() } as unknown as Harness;
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', h.origin);
    const path = url.pathname;
    if (req.method === 'POST' && path.startsWith('/collect/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          h.received.push({ path, beacon: JSON.parse(Buffer.concat(chunks).toString()) as Beacon });
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end('not a beacon'); // as the collector answers what is not one
        }
      });
      return;
    }
    const status = /^\/status\/(\d{3})/.exec(path) ?? (path.startsWith('/missing') ? [path, '404'] : null);
    if (status) {
      req.resume();
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(`status ${status[1]}`);
      return;
    }
    if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one,');
      setImmediate(() => res.end('two'));
      return;
    }
    const file = h.files.get(path);
    if (file !== undefined || path.startsWith('/static/')) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(file ?? readFileSync(`dist/${path.split('/').pop()}`));
      return;
    }
    const html = h.pages.get(path) ?? '<!doctype html><title>other</title><p>another page</p>';
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  };
  const server: Server = createServer(serve);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  h.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const executable = execFileSync('sh', ['-c', 'command -v chromium']).toString().trim();
  h.browser = await chromium.launch({
    executablePath: executable,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  h.close = async () => {
    await h.browser.close();
    server.close();
  };
  return h;
};

/** A port on 127.0.0.1 that nothing listens on: bound by the system, then closed. */
export const closedPort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as AddressInfo).port;
  await new Promise((done) => s.close(done));
  return port;
};

/** A new tab whose pages run `init` first. */
export const tab = async (h: Harness, init = ''): Promise<[BrowserContext, Page]> => {
  const context = await h.browser.newContext();
  await context.addInitScript({ content: INIT + init });
  return [context, await context.newPage()];
};

/** Wait (polling, generous deadline) until `cond` holds of the beacons sent to `path`. */
export const until = async (h: Harness, path: string, cond: (b: Beacon[]) => boolean, what = 'the beacons'): Promise<Beacon[]> => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = h.received.filter((r) => r.path === path).map((r) => r.beacon);
    if (cond(found)) return found;
    assert.ok(Date.now() < deadline, `${what} to ${path} did not arrive; got ${JSON.stringify(found).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The page view's beacons merged in seq order: the latest value of each metric, all failures. */
export const merged = (beacons: Beacon[], id: string): { url: string; nav: string; metrics: Map<string, Beacon['metrics'][number]>; failures: Beacon['failures']; loaf?: Beacon['loaf'] } => {
  const mine = beacons.filter((b) => b.page_view_id === id).sort((a, b) => a.seq - b.seq);
  const metrics = new Map<string, Beacon['metrics'][number]>();
  for (const b of mine) for (const m of b.metrics) metrics.set(m.name, m);
  return {
    url: mine[0].url,
    nav: mine[0].navigation_type,
    metrics,
    failures: mine.flatMap((b) => b.failures),
    loaf: mine.filter((b) => b.loaf).pop()?.loaf,
  };
};

/** The tab is hidden (as when the visitor switches tabs), then shown again. */
export const hideAndShow = (p: Page): Promise<void> =>
  p.evaluate(() => {
    const set = (hidden: boolean): void => {
      Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    set(true);
    set(false);
  });
