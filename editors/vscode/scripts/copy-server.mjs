// Copies the llmops-lsp binary into server/ so the .vsix carries its own
// server (the extension's default `llmops.server.path`). Source, first found:
// $LLMOPS_LSP_BIN, ../../target/release/llmops-lsp, ../../target/debug/llmops-lsp.
// It also copies the repository's license texts next to package.json.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const exe = process.platform === 'win32' ? 'llmops-lsp.exe' : 'llmops-lsp';
const candidates = process.env.LLMOPS_LSP_BIN
  ? [resolve(process.env.LLMOPS_LSP_BIN)]
  : ['release', 'debug'].map((profile) => resolve(root, '..', '..', 'target', profile, exe));
const source = candidates.find((file) => existsSync(file));
if (!source) {
  console.error(
    `copy-server: no llmops-lsp binary at ${candidates.join(' or ')}.\n` +
      'Build it first: cargo build --release -p llmops-lsp (or set LLMOPS_LSP_BIN).',
  );
  process.exit(1);
}
// A binary built with `--features test-hooks` (as tests/run.sh builds it)
// has a command that panics on purpose: never ship it.
if (readFileSync(source).includes('llmops.debug.panic')) {
  console.error(
    `copy-server: ${source} was built with the test-hooks feature.\n` +
      'Package a plain build: cargo build --release -p llmops-lsp.',
  );
  process.exit(1);
}
const target = join(root, 'server', exe);
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
chmodSync(target, 0o755);
console.log(`copy-server: ${source} -> ${target}`);

// The license texts live once, at the repository root; the .vsix carries a
// copy (vsce looks for LICENSE* beside package.json).
const licenses = ['LICENSE-MIT', 'LICENSE-APACHE'].map((name) => resolve(root, '..', '..', name));
const missing = licenses.filter((file) => !existsSync(file));
if (missing.length) {
  console.error(`copy-server: missing license file(s): ${missing.join(', ')}`);
  process.exit(1);
}
for (const file of licenses) copyFileSync(file, join(root, file.split(/[\\/]/).pop()));
writeFileSync(
  join(root, 'LICENSE'),
  'llmops-lsp is licensed under either of the MIT license (LICENSE-MIT) or the Apache License, ' +
    'Version 2.0 (LICENSE-APACHE), at your option.\n',
);
