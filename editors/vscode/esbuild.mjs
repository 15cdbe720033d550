// Bundles the extension (Node, CommonJS, `vscode` provided by the host) and
// the webview script (browser IIFE). `--production` minifies for the .vsix;
// `--tests` also compiles test/*.test.ts to out/test/ for `node --test`.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');
const e2e = process.argv.includes('--e2e');
const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'warning' };

const builds = [
  esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/webview/exercise.ts'],
    outfile: 'dist/webview/exercise.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  }),
];
if (tests) {
  // Start clean so a deleted or renamed test never runs from a stale build.
  rmSync('out', { recursive: true, force: true });
  builds.push(
    esbuild.build({
      ...common,
      entryPoints: readdirSync('test').filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`),
      outdir: 'out/test',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
    }),
  );
}
if (e2e) {
  builds.push(
    esbuild.build({
      ...common,
      entryPoints: ['test/e2e/vscode.e2e.ts'],
      outdir: 'out/e2e',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
    }),
  );
}
await Promise.all(builds);
