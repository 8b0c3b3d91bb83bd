/** Session idle timeout: a visit that pauses longer starts a new session (as in GA). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
const KEY = 'rumhouse.s';

/**
 * A random id that sorts by creation time (base-36 milliseconds, then 8 random chars), so
 * rows keyed by it are stored roughly in time order. Not a fingerprint: nothing about the
 * device goes in.
 */
export const newId = (now: number = Date.now()): string =>
  now.toString(36) + Math.random().toString(36).slice(2, 10).padEnd(8, '0');

/**
 * Whether a session is kept at sampling `rate` (0..1): its id's last four base-36 digits,
 * as a share of 36^4, below the rate. The collector applies the same rule
 * (`collector/ingest/admission.py`, `sampled`), so both keep the same sessions.
 */
export const keepSession = (id: string, rate: number): boolean =>
  rate >= 1 || parseInt(id.slice(-4), 36) / 1679616 < rate;

/** The storage the session id lives in: `sessionStorage` in a browser, a fake in tests. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * The session id kept in `storage` (no cookies), renewed after {@link SESSION_IDLE_MS} of
 * inactivity; `touch` records activity. Without usable storage each page view is its own
 * session.
 */
export const session = (storage: KeyValue | undefined, now: number = Date.now()): string => {
  try {
    const [id, last] = (storage?.getItem(KEY) ?? '').split('.');
    const fresh = id && now - Number(last) < SESSION_IDLE_MS ? id : newId(now);
    storage?.setItem(KEY, fresh + '.' + now);
    return fresh;
  } catch {
    return newId(now); // storage disabled (privacy mode, sandboxed iframe)
  }
};
