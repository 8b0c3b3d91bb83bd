// Bundles src/index.ts into dist/rum.js (one minified IIFE) and src/loader.ts into
// dist/loader.js (the snippet the collector serves at /snippet). rum.js is also written
// pre-compressed, as CDNs serve it: rum.js.gz (gzip -9) and rum.js.br (brotli, quality 11),
// with dist/manifest.json recording the SHA-256 of the three files, so that the collector
// serves a compressed file only if it was made from the very rum.js beside it.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
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
await build({ ...common, entryPoints: ['src/loader.ts'], outfile: 'dist/loader.js' });
const bundled = await build({ ...common, target: ['es2022'], entryPoints: ['src/index.ts'], write: false, outfile: 'dist/rum.js' });
const script = bundled.outputFiles[0].contents;
const files = {
  'rum.js.gz': gzipSync(script, { level: 9 }),
  'rum.js.br': brotliCompressSync(script, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: script.length,
    },
  }),
  'rum.js': script,
};
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const manifest = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)]));
mkdirSync('dist', { recursive: true });
// rum.js last: a build that fails half-way leaves it older than its sources, and make runs it again.
writeFileSync('dist/manifest.json', JSON.stringify(manifest, null, 2) + '\n');
for (const [name, bytes] of Object.entries(files)) writeFileSync(`dist/${name}`, bytes);
