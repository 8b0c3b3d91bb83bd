// Compiles test/*.test.ts with esbuild into .build/test and runs them with node's test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('.build', { recursive: true, force: true });
const tests = readdirSync('test').filter((f) => f.endsWith('.test.ts'));
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
const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
