/**
 * A URL as the beacon sends it: absolute, without query string or fragment (where secrets
 * and ids hide), at most 500 characters; a URL without an origin (`data:`, `about:`) is
 * reduced to its scheme. The collector cleans every URL again (it is authoritative); doing
 * it here too saves bytes and lets the same failure deduplicate across queries.
 */
export const clean = (u: unknown, base?: string): string => {
  try {
    const x = new URL(String(u), base ?? globalThis.location?.href);
    return (x.origin === 'null' ? x.protocol : x.origin + x.pathname).slice(0, 500);
  } catch {
    return '';
  }
};
