// Copies the llmops-lsp binary into server/ so the .vsix carries its own
// server (the extension's default `llmops.server.path`). Source, first found:
// $LLMOPS_LSP_BIN, ../../target/release/llmops-lsp, ../../target/debug/llmops-lsp.
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
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
const target = join(root, 'server', exe);
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
chmodSync(target, 0o755);
console.log(`copy-server: ${source} -> ${target}`);
