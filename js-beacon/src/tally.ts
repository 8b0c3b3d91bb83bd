/**
 * Counts records by key within a page view, keeping at most `max` distinct ones (more are
 * dropped: a page failing in a loop must not grow the beacon). `take` returns what is new
 * since the previous take (new records, and the added count of old ones), so the beacons of
 * a page view carry increments that sum to the truth.
 */
export class Tally<T extends object> {
  private _seen = new Map<string, [T, number, number]>();

  constructor(private readonly _max: number) {}

  _put(key: string, rec: T): void {
    const known = this._seen.get(key);
    if (known) known[1]++;
    else if (this._seen.size < this._max) this._seen.set(key, [rec, 1, 0]);
  }

  take(): (T & { count: number })[] {
    const out: (T & { count: number })[] = [];
    this._seen.forEach((t) => {
      if (t[1] > t[2]) out.push({ ...t[0], count: t[1] - t[2] });
      t[2] = t[1];
    });
    return out;
  }
}
