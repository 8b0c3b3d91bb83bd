// Compiles test/*.test.ts with esbuild into .build/test and runs them with node's test runner.
// `--mutant` is how Stryker (`make mutation`) runs them against each mutant of src/: it
// first rebuilds dist/ from the (instrumented) sources, and leaves out the size test, which
// an instrumented bundle fails by construction.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const mutant = process.argv.includes('--mutant');
if (mutant) await import('../build.mjs');
rmSync('.build', { recursive: true, force: true });
const tests = readdirSync('test').filter((f) => f.endsWith('.test.ts') && !(mutant && f === 'size.test.ts'));
await build({
  entryPoints: tests.map((f) => `test/${f}`),
  outdir: '.build/test',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const built = (f) => `.build/test/${f.replace(/\.ts$/, '.mjs')}`;
const run = (files) =>
  spawnSync(process.execPath, ['--test', `--test-reporter=${mutant ? 'dot' : 'spec'}`, ...files.map(built)], { stdio: 'inherit' }).status ?? 1;
// A mutant the node tests already kill needs no browser: those run first.
const inBrowser = (f) => f.startsWith('browser');
const status = mutant
  ? run(tests.filter((f) => !inBrowser(f))) || run(tests.filter(inBrowser))
  : run(tests);
process.exit(status);
