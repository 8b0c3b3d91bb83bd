import type { MetricIn } from './payload';

/** The fields of an `event` entry (Event Timing) the beacon reads. */
export interface EventEntry {
  name: string;
  startTime: number;
  duration: number;
  processingStart: number;
  processingEnd: number;
  interactionId?: number;
}

/** Below this many interactions, INP is the longest one (web-vitals' p98 rule). */
export const FEW_INTERACTIONS = 50;

/**
 * The interactions of one page view as the beacon's own Event Timing observer saw them:
 * how many, and the longest. It gives a page view INP where web-vitals does not: a route
 * the browser did not report as a soft navigation, and the last interaction before the page
 * is left, which web-vitals can miss (GoogleChrome/web-vitals issue #724).
 */
export class Interactions {
  /** The interactions seen (their ids), and the longest entry among them. */
  _ids = new Set<number>();
  _top?: EventEntry;

  add(e: EventEntry): void {
    if (!e.interactionId) return;
    this._ids.add(e.interactionId);
    if (!this._top || e.duration > this._top.duration) this._top = e;
  }

  /**
   * INP from these interactions, with the same phases web-vitals gives; `undefined` without
   * interactions, or with {@link FEW_INTERACTIONS} or more (then web-vitals' p98 is kept).
   */
  _inp(): MetricIn | undefined {
    const e = this._top;
    if (!e || this._ids.size >= FEW_INTERACTIONS) return undefined;
    return {
      name: 'INP',
      value: e.duration,
      phases: {
        input_delay: e.processingStart - e.startTime,
        processing_duration: e.processingEnd - e.processingStart,
        presentation_delay: Math.max(0, e.startTime + e.duration - e.processingEnd),
      },
    };
  }
}

/** The fields of a `layout-shift` entry the beacon reads. */
export interface Shift {
  startTime: number;
  value: number;
  hadRecentInput: boolean;
}

/**
 * CLS over one page view's span, computed as web-vitals does: shifts without recent input,
 * grouped in session windows (gaps under 1 s, windows under 5 s), the largest window's sum.
 */
export class Shifts {
  _max = 0;
  private _sum = 0;
  private _first = -Infinity;
  private _last = -Infinity;

  add(e: Shift): void {
    if (e.hadRecentInput) return;
    if (e.startTime - this._last < 1000 && e.startTime - this._first < 5000) this._sum += e.value;
    else {
      this._sum = e.value;
      this._first = e.startTime;
    }
    this._last = e.startTime;
    this._max = Math.max(this._max, this._sum);
  }
}
