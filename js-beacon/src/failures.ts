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
    this._put(JSON.stringify([kind, initiator, method, url, status]), { kind, initiator, method, url, status, duration });
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
  return [tag, el!.currentSrc || el!.src || el!.href || ''];
};
