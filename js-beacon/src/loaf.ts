import type { Loaf, LoafScript } from './payload';
import { clean } from './url';

/** The scripts sent per page view: the longest by time spent in them. */
export const MAX_SCRIPTS = 8;
/** Distinct scripts followed per page view (bounds memory on pages with many scripts). */
const MAX_TRACKED = 64;

/** The fields of a `long-animation-frame` entry (50 ms or longer) the beacon reads. */
export interface Frame {
  startTime: number;
  duration: number;
  blockingDuration: number;
  scripts: { sourceURL: string; sourceFunctionName: string; invokerType: string; duration: number }[];
}

/**
 * A page view's long animation frames: how many, their total blocking duration, the
 * longest, and the scripts that ran in them summed by script (URL, function, invoker), each
 * with its share of the frames' blocking duration in proportion to its time in them.
 */
export class LoafLog {
  _loaf = { count: 0, blocking: 0, longest: 0 };
  _scripts = new Map<string, Required<LoafScript> & { duration: number; blocking: number }>();

  add(f: Frame): void {
    const l = this._loaf;
    l.count++;
    l.blocking += f.blockingDuration;
    l.longest = Math.max(l.longest, f.duration);
    for (const s of f.scripts) {
      const url = s.sourceURL && clean(s.sourceURL);
      const key = JSON.stringify([url, s.sourceFunctionName, s.invokerType]); // no separator to collide on
      const t = this._scripts.get(key) ?? { url, function: s.sourceFunctionName, invoker: s.invokerType, duration: 0, blocking: 0 };
      if (this._scripts.size < MAX_TRACKED) this._scripts.set(key, t);
      t.duration += s.duration;
      t.blocking += (f.blockingDuration * s.duration) / f.duration;
    }
  }

  /** The totals so far, with the {@link MAX_SCRIPTS} longest scripts. */
  _summary(): Loaf {
    const scripts = [...this._scripts.values()].sort((a, b) => b.duration - a.duration).slice(0, MAX_SCRIPTS);
    return { ...this._loaf, scripts: scripts as Loaf['scripts'] };
  }
}
