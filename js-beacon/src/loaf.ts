import type { Loaf, LoafScript } from './payload';
import { clean } from './url';

/** The scripts sent per page view: the longest by time spent in them. */
export const MAX_SCRIPTS = 8;
/** Distinct scripts followed per page view (bounds memory on pages with many scripts). */
const MAX_TRACKED = 64;

/** The fields of a `long-animation-frame` entry (and its scripts) the beacon reads. */
export interface Frame {
  startTime: number;
  duration: number;
  blockingDuration: number;
  scripts: { sourceURL: string; sourceFunctionName: string; invokerType: string; duration: number }[];
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * A page view's long animation frames: how many, their total blocking duration, the
 * longest, and the scripts that ran in them summed by script (URL, function, invoker), each
 * with its share of the frames' blocking duration in proportion to its time in them.
 */
export class LoafLog {
  _count = 0;
  _blocking = 0;
  _longest = 0;
  _scripts = new Map<string, LoafScript & { duration: number; blocking: number }>();

  add(f: Frame): void {
    if (f.duration < 50) return;
    this._count++;
    this._blocking += f.blockingDuration;
    this._longest = Math.max(this._longest, f.duration);
    for (const s of f.scripts) {
      const url = s.sourceURL ? clean(s.sourceURL) : '';
      const key = [url, s.sourceFunctionName, s.invokerType].join('|');
      let t = this._scripts.get(key);
      if (!t && this._scripts.size < MAX_TRACKED) {
        t = { url, function: s.sourceFunctionName, invoker: s.invokerType, duration: 0, blocking: 0 };
        this._scripts.set(key, t);
      }
      if (!t) continue;
      t.duration += s.duration;
      t.blocking += (f.blockingDuration * s.duration) / f.duration;
    }
  }

  /** The totals so far, rounded to 0.1 ms, with the {@link MAX_SCRIPTS} longest scripts. */
  _summary(): Loaf {
    const scripts = [...this._scripts.values()]
      .sort((a, b) => b.duration - a.duration)
      .slice(0, MAX_SCRIPTS)
      .map((s) => ({ ...s, duration: r1(s.duration), blocking: r1(s.blocking) }));
    return { count: this._count, blocking: r1(this._blocking), longest: r1(this._longest), scripts: scripts as Loaf['scripts'] };
  }
}
