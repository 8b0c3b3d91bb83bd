import type { MetricWithAttribution } from 'web-vitals/attribution';
import type { MetricIn } from './payload';
import { clean } from './url';

// The numeric attribution web-vitals gives per metric, sent as `phases` in snake case.
// (One string per metric: smaller in rum.js than arrays of strings.)
const PHASES: Record<string, string> = {
  LCP: 'timeToFirstByte resourceLoadDelay resourceLoadDuration elementRenderDelay',
  INP: 'inputDelay processingDuration presentationDelay',
  CLS: 'largestShiftTime largestShiftValue',
  FCP: 'timeToFirstByte firstByteToFCP',
  TTFB: 'waitingDuration cacheDuration dnsDuration connectionDuration requestDuration',
};

const snake = (k: string): string => k.replace(/[A-Z]+/g, (c) => '_' + c.toLowerCase());

/** A web-vitals metric (attribution build) as the beacon sends it. */
export const toMetric = (m: MetricWithAttribution): MetricIn => {
  const a = m.attribution as unknown as Record<string, unknown>;
  const phases: Record<string, number> = {};
  for (const k of PHASES[m.name]?.split(' ') ?? []) {
    const v = a[k];
    if (typeof v === 'number' && isFinite(v)) phases[snake(k)] = v; // rounded when sent
  }
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  // INP: the longest script in the interaction's long animation frames.
  const script = (a.longestScript as { entry?: { sourceURL?: string; sourceFunctionName?: string } } | undefined)?.entry;
  return {
    name: m.name,
    value: m.value,
    target: text(a.target ?? a.interactionTarget ?? a.largestShiftTarget),
    url: a.url ? clean(a.url) : undefined,
    interaction_type: text(a.interactionType),
    load_state: text(a.loadState),
    phases,
    script_url: script?.sourceURL ? clean(script.sourceURL) : undefined,
    script_function: script?.sourceFunctionName || undefined,
  };
};
