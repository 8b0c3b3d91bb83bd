import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetricWithAttribution } from 'web-vitals/attribution';
import { context } from '../src/context';
import { toMetric } from '../src/metrics';
import { navTiming, navType } from '../src/nav';

// Inputs as the browser hands them over (plain objects with the fields rum.js reads).
const entry = (over: Partial<Record<string, number | string>> = {}): PerformanceNavigationTiming =>
  ({
    redirectStart: 1, redirectEnd: 3.04, domainLookupStart: 10, domainLookupEnd: 22.55,
    connectStart: 30, connectEnd: 80, secureConnectionStart: 50, requestStart: 90,
    responseStart: 190.26, responseEnd: 205, domInteractive: 400, domContentLoadedEventStart: 450,
    loadEventStart: 0, transferSize: 1200, encodedBodySize: 1000, decodedBodySize: 3000,
    nextHopProtocol: 'h2', ...over,
  }) as unknown as PerformanceNavigationTiming;

test('nav: phases in ms, rounded to 0.1, relative to the navigation start', () => {
  assert.deepEqual(navTiming(entry()), {
    redirect: 2, dns: 12.6, connect: 50, tls: 30, ttfb: 190.3, request: 100.3, response: 14.7,
    dom_interactive: 400, dom_content_loaded: 450, load: undefined, transfer_size: 1200,
    encoded_body_size: 1000, decoded_body_size: 3000, protocol: 'h2',
  });
});

test('nav: no TLS without a secure connection; a prerendered page counts from activation', () => {
  const plain = navTiming(entry({ secureConnectionStart: 0, nextHopProtocol: '' }));
  assert.equal(plain?.tls, 0);
  assert.equal(plain?.protocol, undefined);
  const pre = navTiming(entry({ activationStart: 100, loadEventStart: 900 }));
  assert.equal(pre?.ttfb, 90.3);
  assert.equal(pre?.load, 800);
  assert.equal(navTiming(entry({ responseStart: 50, activationStart: 100 }))?.ttfb, 0, 'never negative');
  assert.equal(navTiming(undefined), undefined);
});

test('nav type: as Navigation Timing names it, or prerender while prerendering or once activated', () => {
  const doc = globalThis as { document?: { prerendering?: boolean } };
  const saved = doc.document;
  try {
    doc.document = {};
    assert.equal(navType(entry({ type: 'reload' })), 'reload');
    assert.equal(navType(entry({ type: 'back_forward' })), 'back_forward');
    assert.equal(navType(undefined), 'navigate', 'no entry: a plain navigation');
    assert.equal(navType(entry({ type: 'navigate', activationStart: 0 })), 'navigate');
    assert.equal(navType(entry({ type: 'navigate', activationStart: 120 })), 'prerender', 'activated after a prerender');
    doc.document = { prerendering: true };
    assert.equal(navType(entry({ type: 'navigate' })), 'prerender', 'still prerendering');
    assert.equal(navType(undefined), 'prerender');
  } finally {
    doc.document = saved;
  }
});

const metric = (name: string, value: number, attribution: Record<string, unknown>): MetricWithAttribution =>
  ({ name, value, attribution }) as unknown as MetricWithAttribution;

test('metrics: the attribution phases in snake case, and the targets', () => {
  const lcp = toMetric(metric('LCP', 2100.5, {
    target: 'img.hero', url: 'https://x/hero.jpg?sig=secret#f', timeToFirstByte: 120.123456,
    resourceLoadDelay: 10, resourceLoadDuration: Infinity, elementRenderDelay: 'n/a',
  }));
  assert.deepEqual(lcp, {
    name: 'LCP', value: 2100.5, target: 'img.hero', url: 'https://x/hero.jpg',
    interaction_type: undefined, load_state: undefined,
    phases: { time_to_first_byte: 120.123456, resource_load_delay: 10 }, // rounded when sent (pageview.ts)
    script_url: undefined, script_function: undefined,
  });
  // Only numbers are phases: a null or a numeric string is not one (isFinite alone takes both).
  const shift = toMetric(metric('CLS', 0.2, { largestShiftTime: null, largestShiftValue: '0.2' }));
  assert.deepEqual(shift.phases, {});
  const inp = toMetric(metric('INP', 250, {
    interactionTarget: '#buy', interactionType: 'pointer', loadState: 'complete',
    inputDelay: 5, processingDuration: 200, presentationDelay: 45,
    longestScript: { entry: { sourceURL: 'https://x/app.js?v=3', sourceFunctionName: 'onBuy' }, subpart: 'processing-duration' },
  }));
  assert.equal(inp.script_url, 'https://x/app.js', 'the longest script of its frames, URL cleaned');
  assert.equal(inp.script_function, 'onBuy');
  const anon = toMetric(metric('INP', 90, { longestScript: { entry: { sourceURL: '', sourceFunctionName: '' } } }));
  assert.deepEqual([anon.script_url, anon.script_function], [undefined, undefined]);
  assert.equal(inp.target, '#buy');
  assert.equal(inp.interaction_type, 'pointer');
  assert.equal(inp.load_state, 'complete');
  assert.deepEqual(inp.phases, { input_delay: 5, processing_duration: 200, presentation_delay: 45 });
  const cls = toMetric(metric('CLS', 0.2, { largestShiftTarget: 'div.ad', largestShiftTime: 900, largestShiftValue: 0.15 }));
  assert.equal(cls.target, 'div.ad');
  assert.deepEqual(cls.phases, { largest_shift_time: 900, largest_shift_value: 0.15 });
  assert.deepEqual(toMetric(metric('FCP', 1, { timeToFirstByte: 1, firstByteToFCP: 2 })).phases, { time_to_first_byte: 1, first_byte_to_fcp: 2 });
  assert.deepEqual(toMetric(metric('TTFB', 1, { waitingDuration: 1, cacheDuration: 2, dnsDuration: 3, connectionDuration: 4, requestDuration: 5 })).phases,
    { waiting_duration: 1, cache_duration: 2, dns_duration: 3, connection_duration: 4, request_duration: 5 });
  assert.deepEqual(toMetric(metric('XYZ', 1, { target: 7 })), {
    name: 'XYZ', value: 1, target: undefined, url: undefined, interaction_type: undefined,
    load_state: undefined, phases: {}, script_url: undefined, script_function: undefined,
  });
});

test('context: what the device and network say; absent APIs leave fields out', () => {
  const w = {
    innerWidth: 390, innerHeight: 844, devicePixelRatio: 3,
    navigator: {
      connection: { effectiveType: '4g', rtt: 50, downlink: 10, saveData: false },
      deviceMemory: 4, hardwareConcurrency: 6,
      userAgentData: { mobile: true, platform: 'Android', brands: [{ brand: 'Chromium', version: '131' }, { brand: 'Google Chrome', version: '131' }] },
    },
  } as unknown as Window;
  assert.deepEqual(context(w), {
    viewport_width: 390, viewport_height: 844, device_pixel_ratio: 3, effective_type: '4g',
    rtt: 50, downlink: 10, save_data: false, device_memory: 4, cpu_cores: 6, ua_mobile: true,
    ua_platform: 'Android', ua_brands: 'Chromium/131; Google Chrome/131',
  });
  const bare = context({ innerWidth: 1, innerHeight: 2, devicePixelRatio: 1, navigator: {} } as unknown as Window);
  assert.deepEqual(Object.entries(bare).filter(([, v]) => v !== undefined), [
    ['viewport_width', 1], ['viewport_height', 2], ['device_pixel_ratio', 1],
  ]);
});
