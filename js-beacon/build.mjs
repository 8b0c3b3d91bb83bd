// Bundles src/index.ts into dist/rum.js (one minified IIFE) and src/loader.ts into
// dist/loader.js (the snippet the collector serves at /snippet).
import { build } from 'esbuild';

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  legalComments: 'none',
  // Private fields are named with a leading underscore so they can be mangled safely.
  mangleProps: /^_/,
  // ...but not `__stryker__`, the global through which a mutation run picks its mutant.
  reserveProps: /^__\w+__$/,
  logLevel: 'warning',
};

// rum.js runs where web-vitals 6 runs (it uses class fields and Array.prototype.at: Chrome 92,
// Firefox 90, Safari 15.4), so ?., ??, ??= and class fields are kept as written: es2019's
// rewrites of them cost 0.6 KB gzipped. The loader snippet, inline in the page, stays es2019.
await build({ ...common, target: ['es2022'], entryPoints: ['src/index.ts'], outfile: 'dist/rum.js' });
await build({ ...common, entryPoints: ['src/loader.ts'], outfile: 'dist/loader.js' });
