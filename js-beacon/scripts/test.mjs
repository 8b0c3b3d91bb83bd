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
const files = tests.map((f) => `.build/test/${f.replace(/\.ts$/, '.mjs')}`);
const reporter = mutant ? 'dot' : 'spec';
const run = spawnSync(process.execPath, ['--test', `--test-reporter=${reporter}`, ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
