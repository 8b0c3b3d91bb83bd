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
// A mutant the node tests already kill needs no browser: those run first. Then each
// browser file on its own, the broadest first, stopping at the first that fails: node runs
// test files one at a time on two cores anyway, and a killed mutant needs no more.
const inBrowser = (f) => f.startsWith('browser');
const browserFirst = (a, b) => (a === 'browser.test.ts' ? -1 : b === 'browser.test.ts' ? 1 : a.localeCompare(b));
const firstFailing = (files) => files.reduce((status, f) => status || run([f]), 0);
const status = mutant
  ? run(tests.filter((f) => !inBrowser(f))) || firstFailing(tests.filter(inBrowser).sort(browserFirst))
  : run(tests);
process.exit(status);
