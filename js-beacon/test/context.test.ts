import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context } from '../src/context';

// A window with only what a test gives it: context reads nothing else.
const page = (navigator: object): Window => ({ innerWidth: 390, innerHeight: 844, devicePixelRatio: 3, navigator }) as unknown as Window;

test('context: what the browser tells, with client hints as "brand/version; ..."', () => {
  const nav = {
    connection: { effectiveType: '4g', rtt: 50, downlink: 10, saveData: false },
    deviceMemory: 8,
    hardwareConcurrency: 4,
    userAgentData: { mobile: true, platform: 'Android', brands: [{ brand: 'Chromium', version: '156' }, { brand: 'Not)A;Brand', version: '24' }] },
  };
  assert.deepEqual(context(page(nav)), {
    viewport_width: 390, viewport_height: 844, device_pixel_ratio: 3,
    effective_type: '4g', rtt: 50, downlink: 10, save_data: false,
    device_memory: 8, cpu_cores: 4,
    ua_mobile: true, ua_platform: 'Android', ua_brands: 'Chromium/156; Not)A;Brand/24',
  });
});

test('context: absent APIs leave their fields out, and client hints without brands do not throw', () => {
  // Firefox and Safari have no connection, deviceMemory or userAgentData; a stand-in
  // userAgentData (an extension, a polyfill) may lack brands.
  const bare = context(page({}));
  assert.deepEqual(Object.entries(bare).filter(([, v]) => v !== undefined).map(([k]) => k), ['viewport_width', 'viewport_height', 'device_pixel_ratio']);
  const partial = context(page({ userAgentData: { mobile: false, platform: 'Linux' } }));
  assert.deepEqual([partial.ua_mobile, partial.ua_platform, partial.ua_brands], [false, 'Linux', undefined]);
});
