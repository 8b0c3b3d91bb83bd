import { guard } from './guard';

/**
 * Observes entries of `type` (buffered: those before rum.js loaded too), handing them to
 * `cb` guarded. Returns a function that hands over the records not yet delivered (called
 * before a beacon is built), or `undefined` where the browser does not report `type`.
 */
export const observe = <T>(type: string, cb: (entries: T[]) => void, opts?: object): (() => void) | undefined => {
  if (PerformanceObserver.supportedEntryTypes.indexOf(type) < 0) return undefined;
  const give = guard((l: PerformanceEntryList) => cb(l as unknown as T[]));
  const po = new PerformanceObserver((l) => give(l.getEntries()));
  po.observe({ type, buffered: true, ...opts } as PerformanceObserverInit);
  return () => give(po.takeRecords());
};
