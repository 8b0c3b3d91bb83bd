import { ErrorLog } from './errors';
import { newId } from './ids';
import type { Beacon, Context, EventIn, MetricIn, NavTiming } from './payload';

/** Custom dimensions and events kept per page view (the collector caps them too). */
export const MAX_DIMS = 20;
export const MAX_EVENTS = 50;
/** A beacon stays under 60 KB; stacks go first when it would not. */
export const MAX_BEACON_CHARS = 60_000;

/**
 * Everything the beacon knows about one page view. Each flush sends the page view's state
 * (URL, label, dimensions, context, navigation timing) and only the metrics, errors and
 * events that are new since the previous beacon; `seq` numbers the beacons so that the
 * collector keeps the latest value of a re-sent metric.
 */
export class PageView {
  readonly _id = newId();
  readonly errors = new ErrorLog();
  private _seq = 0;
  private _metrics = new Map<string, MetricIn>();
  private _dirty = new Set<string>();
  private _events: EventIn[] = [];
  private _eventCount = 0;
  private _label?: string;
  private _dims: Record<string, string> = {};

  constructor(
    readonly _site: string,
    /** The session id, asked for when the first beacon is built (see index.ts). */
    readonly _sid: () => string,
    readonly _navType: string,
    /** `performance.now()` when the page view started: 0 for a navigation, later for a restore. */
    readonly _start = 0,
  ) {}

  metric(m: MetricIn): void {
    this._metrics.set(m.name, m);
    this._dirty.add(m.name);
  }

  page(label: unknown): void {
    this._label = String(label).slice(0, 128);
  }

  set(key: unknown, value: unknown): void {
    const k = String(key).slice(0, 64);
    if (k in this._dims || Object.keys(this._dims).length < MAX_DIMS) {
      this._dims[k] = String(value).slice(0, 256);
    }
  }

  event(name: unknown, value?: unknown): void {
    if (this._eventCount++ >= MAX_EVENTS) return;
    const v = Number(value);
    this._events.push({ name: String(name).slice(0, 64), value: value == null || !isFinite(v) ? null : v });
  }

  /** The next beacon's JSON, or `undefined` when nothing is new since the last one. */
  payload(url: string, referrer: string, context: Context, nav?: NavTiming): string | undefined {
    const metrics = [...this._dirty].map((n) => this._metrics.get(n) as MetricIn);
    const errors = this.errors.take();
    const events = this._events.splice(0);
    if (this._seq > 0 && !metrics.length && !errors.length && !events.length) return undefined;
    this._dirty.clear();
    const beacon: Beacon = {
      v: 1,
      site: this._site,
      page_view_id: this._id,
      session_id: this._sid(),
      seq: this._seq++,
      elapsed: Math.round(performance.now() - this._start),
      url,
      label: this._label,
      referrer,
      navigation_type: this._navType,
      dims: this._dims,
      context,
      nav,
      metrics,
      errors,
      events,
    };
    const json = JSON.stringify(beacon);
    if (json.length <= MAX_BEACON_CHARS) return json;
    errors.forEach((e) => (e.stack = ''));
    return JSON.stringify(beacon); // without stacks the capped items fit well under the limit
  }
}
