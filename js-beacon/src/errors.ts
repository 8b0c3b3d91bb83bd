import type { ErrorIn } from './payload';
import { Tally } from './tally';

/** Distinct errors kept per page view; more are dropped. */
export const MAX_ERRORS = 20;
const cut = (s: unknown, n: number): string => String(s ?? '').slice(0, n);

/**
 * Deduplicates errors within a page view: the same type, message and place is one record
 * with a count (see {@link Tally}).
 */
export class ErrorLog extends Tally<ErrorIn> {
  constructor() {
    super(MAX_ERRORS);
  }

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
    // JSON, not a separator: a '|' in a message or a source must not merge two errors.
    this._put(JSON.stringify([rec.type, rec.message, rec.source, rec.line, rec.column]), rec);
  }
}
