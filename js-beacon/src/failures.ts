import type { FailureIn } from './payload';
import { Tally } from './tally';

/** Distinct failures kept per page view; more are dropped. */
export const MAX_FAILURES = 20;

/**
 * Failed requests and resources of a page view, deduplicated (same kind, initiator, method,
 * URL and status) with a count, like errors.
 */
export class FailureLog extends Tally<FailureIn> {
  constructor() {
    super(MAX_FAILURES);
  }

  /** Records a failure: `status` 0 is a network error; `url` is already cleaned. */
  add(kind: string, initiator: string, method: string, url: string, status: number, duration?: number): void {
    const rec: FailureIn = { kind, initiator, method, url, status, duration: duration == null ? undefined : Math.round(duration) };
    this._put([kind, initiator, method, url, status].join('|'), rec);
  }
}

/** The elements whose failed loads are reported: they fire `error` on themselves. */
const ELEMENTS = /^(img|script|link|video|audio|source)$/;

/**
 * The element a capture-phase `error` event failed to load, as [tag, URL], or `undefined`
 * for any other `error` event (a script error reaches `window` itself).
 */
export const failedElement = (target: EventTarget | null): [string, string] | undefined => {
  const el = target as { tagName?: string; currentSrc?: string; src?: string; href?: string } | null;
  const tag = String(el?.tagName).toLowerCase();
  if (!ELEMENTS.test(tag)) return undefined;
  return [tag, (el?.currentSrc || el?.src || el?.href) ?? ''];
};

/**
 * Whether a Resource Timing entry is a failure the `error` events and the request wrappers
 * do not already count: a status of 400 and above (where the browser gives it) for a load
 * that fires no `error` event, one started by a stylesheet (a background image, a font).
 */
export const failedResource = (e: { initiatorType: string; responseStatus?: number }): boolean =>
  e.initiatorType === 'css' && (e.responseStatus ?? 0) >= 400;
