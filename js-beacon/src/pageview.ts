import { ErrorLog } from './errors';
import { FailureLog } from './failures';
import { newId } from './ids';
import { Interactions, Shifts } from './interaction';
import type { LoafLog } from './loaf';
import type { Beacon, Context, EventIn, MetricIn, NavTiming } from './payload';

/** Custom dimensions and events kept per page view (the collector caps them too). */
export const MAX_DIMS = 20;
export const MAX_EVENTS = 50;
/** A beacon stays under 60 KB; stacks go first when it would not. */
export const MAX_BEACON_CHARS = 60_000;

/** Numbers are sent to 4 decimals: sums of timings carry float noise (48.200000000186). */
export const round = (_key: string, v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v);

/**
 * Everything the beacon knows about one page view. Each flush sends the page view's state
 * (URL, label, dimensions, context, navigation timing, long-animation-frame totals) and
 * only the metrics, errors, failures and events that are new since the previous beacon; `seq` numbers the beacons so that the
 * collector keeps the latest value of a re-sent metric.
 */
export class PageView {
  readonly _id = newId();
  readonly _errors = new ErrorLog();
  readonly _failures = new FailureLog();
  readonly _inter = new Interactions();
  /** Set where the browser reports layout shifts / long animation frames. */
  _shifts?: Shifts;
  _loaf?: LoafLog;
  /** `performance.now()` when a route change ended the page view. */
  _end = Infinity;
  /** The browser's navigationId of this page view, once web-vitals has named it. */
  _nav?: number;
  private _seq = 0;
  private _loafSent = -1;
  private _metrics = new Map<string, MetricIn>();
  // web-vitals' values, and the beacon's own (see interaction.ts), of which the best is sent.
  private _vitals = new Map<string, MetricIn>();
  private _own = new Map<string, MetricIn>();
  private _dirty = new Set<string>();
  private _events: EventIn[] = [];
  private _eventCount = 0;
  private _label?: string;
  readonly _dims: Record<string, string> = {};

  constructor(
    readonly _site: string,
    /** The session id, asked for when the first beacon is built (see index.ts). */
    readonly _sid: () => string,
    readonly _navType: string,
    /** `performance.now()` when the page view started: 0 for a navigation, later for a restore. */
    readonly _start = 0,
    /** The page view's URL (origin and path). */
    readonly _url = '',
  ) {}

  /**
   * Records a metric from web-vitals or, with `own`, from the beacon's own observers.
   * web-vitals' value is sent when there is one, except an INP below an interaction it
   * missed; the beacon's own fills in where web-vitals has none.
   */
  metric(m: MetricIn, own?: boolean): void {
    (own ? this._own : this._vitals).set(m.name, m);
    const w = this._vitals.get(m.name);
    const o = this._own.get(m.name);
    const best = w && !(o && m.name === 'INP' && o.value > w.value) ? w : o;
    if (best && best !== this._metrics.get(m.name)) {
      this._metrics.set(m.name, best);
      this._dirty.add(m.name);
    }
  }

  /** Brings the beacon's own INP and CLS up to date with what its observers saw. */
  private _settle(): void {
    const inp = this._inter._inp();
    if (inp && inp.value !== this._own.get('INP')?.value) this.metric(inp, true);
    const cls = this._shifts?._max;
    if (cls != null && cls !== this._own.get('CLS')?.value) this.metric({ name: 'CLS', value: cls }, true);
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
    this._settle();
    const metrics = [...this._dirty].map((n) => this._metrics.get(n) as MetricIn);
    const errors = this._errors.take();
    const failures = this._failures.take();
    const events = this._events.splice(0);
    const frames = this._loaf?._loaf.count ?? -1;
    const fresh = metrics.length + errors.length + failures.length + events.length;
    if (this._seq > 0 && !fresh && frames === this._loafSent) return undefined;
    this._dirty.clear();
    this._loafSent = frames;
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
      failures,
      loaf: this._loaf?._summary(),
    };
    const json = JSON.stringify(beacon, round);
    if (json.length <= MAX_BEACON_CHARS) return json;
    errors.forEach((e) => (e.stack = ''));
    return JSON.stringify(beacon, round); // without stacks the capped items fit well under the limit
  }
}
