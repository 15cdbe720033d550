/**
 * How the extension starts `llmops-lsp`: which binary, with which arguments,
 * environment and initializationOptions.
 *
 * This module does not import `vscode`, so the tests start the real server
 * exactly the way the extension does, without VS Code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The walkthrough's read-only sample note (see `sample.ts`). */
export const SAMPLE_SCHEME = 'llmops-sample';

/**
 * Every file on disk, every unsaved buffer, every Jupyter notebook cell
 * (VS Code gives each cell a `vscode-notebook-cell` document; much LLM work
 * happens there) and the walkthrough's sample: the server spots terms in
 * any language.
 */
export const DOCUMENT_SELECTOR = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-notebook-cell' }, { scheme: SAMPLE_SCHEME }];

/** The settings section the server reads, and the client's id (so `llmops.trace.server` works). */
export const SECTION = 'llmops';

/** Where `npm run package` puts the server binary inside the extension. */
export const BUNDLED_SERVER = path.join('server', process.platform === 'win32' ? 'llmops-lsp.exe' : 'llmops-lsp');

/** The binary's name when looked up on PATH. */
const BINARY = process.platform === 'win32' ? 'llmops-lsp.exe' : 'llmops-lsp';

/**
 * Restores the executable bit of the bundled binary, in case the .vsix was
 * unpacked by something that dropped it. Only the extension's own copy.
 */
export function ensureBundledExecutable(extensionPath: string): void {
  if (process.platform === 'win32') return;
  const bundled = path.join(extensionPath, BUNDLED_SERVER);
  try {
    if (fs.existsSync(bundled) && !isExecutableFile(bundled)) fs.chmodSync(bundled, 0o755);
  } catch {
    // Not ours to fix (read-only install): resolveServerPath reports it.
  }
}

/** Raised when no server binary can be found; its message says how to fix it. */
export class ServerNotFoundError extends Error {}

export interface ResolveInput {
  /** `llmops.server.path`, possibly empty. */
  configured: string | undefined;
  /** The extension's install folder. */
  extensionPath: string;
  /** The environment whose PATH is searched. */
  env: NodeJS.ProcessEnv;
  /** Injected so tests need not create files. */
  isExecutable?: (file: string) => boolean;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Picks the server binary: the configured path (and nothing else when one is
 * set, so a typo is reported instead of silently running another binary),
 * else the one bundled in the extension, else the first on PATH.
 */
export function resolveServerPath(input: ResolveInput): string {
  const ok = input.isExecutable ?? isExecutableFile;
  const configured = input.configured?.trim();
  if (configured) {
    if (ok(configured)) return configured;
    throw new ServerNotFoundError(
      `The setting llmops.server.path points to "${configured}", which is not an executable file. ` +
        'Fix: correct the path (build the server with `cargo build --release -p llmops-lsp`, ' +
        'the binary is target/release/llmops-lsp), or clear the setting to use the bundled server.',
    );
  }
  const bundled = path.join(input.extensionPath, BUNDLED_SERVER);
  if (ok(bundled)) return bundled;
  const searchPath = input.env.PATH ?? input.env.Path ?? '';
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, BINARY);
    if (ok(candidate)) return candidate;
  }
  throw new ServerNotFoundError(
    'This extension has no server built for your platform, and llmops-lsp is not on PATH. ' +
      'Install it with `pipx install llmops-lsp` (or `pip install llmops-lsp`), then reload the window; ' +
      'or set llmops.server.path to a llmops-lsp binary.',
  );
}

/** A JSON object as VS Code returns settings. */
export type Settings = Record<string, unknown>;

/**
 * The `llmops` settings as the server should see them. In an untrusted
 * workspace, team packs from the workspace are code-like input chosen by
 * whoever wrote the repository, so the server is told not to load them.
 */
export function serverSettings(settings: Settings | null | undefined, trusted: boolean): Settings {
  const copy: Settings = { ...(settings ?? {}) };
  if (!trusted) copy.workspacePacks = false;
  return copy;
}

/**
 * Our commands that a hover's Markdown may run as links (the server's Learn
 * and related-term links): exactly these two, never one that changes
 * progress (markKnown) or could be aimed elsewhere.
 */
export const HOVER_COMMANDS: readonly string[] = ['llmops.openExercise', 'llmops.termPage'];

/**
 * What this client can do, told to the server beside the settings:
 * `commandLinks` because VS Code runs `command:` links in hovers, and the
 * client trusts exactly our own commands (see `HOVER_COMMANDS` in
 * extension.ts). The server then makes **Learn** and related terms clickable
 * commands (`llmops.openExercise`, `llmops.termPage`) instead of file links.
 */
export const CLIENT_FEATURES = { commandLinks: true } as const;

export interface InitializationOptions {
  llmops: Settings;
  client: typeof CLIENT_FEATURES;
}

/** The `initializationOptions` of the `initialize` request. */
export function initializationOptions(settings: Settings | null | undefined, trusted: boolean): InitializationOptions {
  return { llmops: serverSettings(settings, trusted), client: CLIENT_FEATURES };
}

export interface Launch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  initializationOptions: InitializationOptions;
}

/**
 * Everything needed to start the server over stdio. With no arguments
 * `llmops-lsp` speaks LSP on stdin/stdout; the environment is passed through
 * so LLMOPS_LSP_DATA_DIR and XDG_CONFIG_HOME reach it.
 */
export function serverLaunch(input: ResolveInput & { settings: Settings | null | undefined; trusted: boolean }): Launch {
  return {
    command: resolveServerPath(input),
    args: [],
    env: { ...input.env },
    initializationOptions: initializationOptions(input.settings, input.trusted),
  };
}
