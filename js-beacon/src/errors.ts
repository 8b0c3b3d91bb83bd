import type { ErrorIn } from './payload';

/** Distinct errors kept per page view; more are counted in the last slot's siblings only. */
export const MAX_ERRORS = 20;
const cut = (s: unknown, n: number): string => String(s ?? '').slice(0, n);

interface Tracked {
  _rec: ErrorIn;
  _count: number;
  _sent: number;
}

/**
 * Deduplicates errors within a page view: the same type, message and place is one record
 * with a count. `take` returns what is new since the previous take (new records, and the
 * added count of old ones), so each beacon carries increments that sum to the truth.
 */
export class ErrorLog {
  private _seen = new Map<string, Tracked>();

  add(kind: string, err: unknown, message?: string, source?: string, line?: number, column?: number): void {
    const e = (err ?? {}) as { name?: unknown; message?: unknown; stack?: unknown };
    const isError = typeof err === 'object' && err !== null;
    const rec: ErrorIn = {
      kind,
      type: cut(isError ? e.name : typeof err, 64),
      // The Error's own message, not the event's "Uncaught TypeError: ..." prefix, so the
      // same error groups alike across browsers; the event's text when there is no Error
      // (a cross-origin "Script error.").
      message: cut(isError && e.message != null ? e.message : (message ?? err), 500),
      source: cut(source, 300),
      line: line ?? 0,
      column: column ?? 0,
      stack: cut(isError ? e.stack : '', 1500),
    };
    const key = [rec.type, rec.message, rec.source, rec.line, rec.column].join('|');
    const known = this._seen.get(key);
    if (known) known._count++;
    else if (this._seen.size < MAX_ERRORS) this._seen.set(key, { _rec: rec, _count: 1, _sent: 0 });
  }

  take(): ErrorIn[] {
    const out: ErrorIn[] = [];
    this._seen.forEach((t) => {
      if (t._count > t._sent) out.push({ ...t._rec, count: t._count - t._sent });
      t._sent = t._count;
    });
    return out;
  }
}
