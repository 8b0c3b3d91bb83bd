import type { Context } from './payload';

interface Nav {
  connection?: { effectiveType?: string; rtt?: number; downlink?: number; saveData?: boolean };
  deviceMemory?: number;
  hardwareConcurrency?: number;
  userAgentData?: { mobile?: boolean; platform?: string; brands?: { brand: string; version: string }[] };
}

/** What the browser tells about the device and network; absent APIs leave fields out. */
export const context = (w: Window): Context => {
  const n = w.navigator as Nav;
  const c = n.connection ?? {};
  const ua = n.userAgentData;
  return {
    viewport_width: w.innerWidth,
    viewport_height: w.innerHeight,
    device_pixel_ratio: w.devicePixelRatio,
    effective_type: c.effectiveType,
    rtt: c.rtt,
    downlink: c.downlink,
    save_data: c.saveData,
    device_memory: n.deviceMemory,
    cpu_cores: n.hardwareConcurrency,
    ua_mobile: ua?.mobile,
    ua_platform: ua?.platform,
    ua_brands: ua?.brands?.map((b) => b.brand + '/' + b.version).join('; '),
  };
};
