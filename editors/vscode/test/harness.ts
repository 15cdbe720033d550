/**
 * Starts the real `llmops-lsp` the way the extension does (same
 * `serverLaunch`, same initializationOptions, same answer to the server's
 * workspace/configuration pull) and talks to it over plain JSON-RPC, since
 * `vscode-languageclient` itself needs a running VS Code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  ExecuteCommandRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type ShowMessageParams,
} from 'vscode-languageserver-protocol/node';
import type { Execute } from '../src/flow';
import { serverLaunch, serverSettings, type Settings } from '../src/launch';

/** editors/vscode (tests run from out/test/). */
export const PACKAGE_DIR = path.resolve(__dirname, '..', '..');

/** The server under test: $LLMOPS_LSP_BIN, else the workspace's debug build. */
export const SERVER_BIN = process.env.LLMOPS_LSP_BIN
  ? path.resolve(process.env.LLMOPS_LSP_BIN)
  : path.resolve(PACKAGE_DIR, '..', '..', 'target', 'debug', 'llmops-lsp');

export function requireServerBinary(): void {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(
      `llmops-lsp not found at ${SERVER_BIN}: build it with \`cargo build -p llmops-lsp\` in the repository root ` +
        'or set LLMOPS_LSP_BIN.',
    );
  }
}

export interface Server {
  connection: ProtocolConnection;
  initializeResult: InitializeResult;
  /** `workspace/executeCommand`, as the extension's `Execute`. */
  execute: Execute;
  /** Resolves with the next diagnostics for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (d: Diagnostic[]) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  /** window/showMessage notifications seen so far. */
  messages: ShowMessageParams[];
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  trusted?: boolean;
  settings?: Settings;
  /** A workspace folder (where `.llmops/*.toml` team packs live). */
  root?: string;
  /** Progress directory to use (and keep); default: a fresh one removed on stop. */
  dataDir?: string;
  /** Extra environment, e.g. LLMOPS_LSP_NOW to move the server's clock. */
  env?: NodeJS.ProcessEnv;
  /** Client capabilities beyond workspace configuration, as a client fills them. */
  capabilities?: ClientCapabilities;
}

export async function startServer(options: StartOptions = {}): Promise<Server> {
  requireServerBinary();
  const trusted = options.trusted ?? true;
  const settings = options.settings ?? {};
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'llmops-vscode-test-'));
  const launch = serverLaunch({
    configured: SERVER_BIN,
    extensionPath: PACKAGE_DIR,
    // Progress and user packs go to a throwaway directory, never the real ones.
    env: { ...process.env, ...options.env, LLMOPS_LSP_DATA_DIR: dataDir, XDG_CONFIG_HOME: path.join(dataDir, 'config') },
    settings,
    trusted,
  });
  const child: ChildProcess = spawn(launch.command, launch.args, { env: launch.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));

  const messages: ShowMessageParams[] = [];
  const waiters = new Set<{ uri: string; accept: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }>();
  connection.onNotification(ShowMessageNotification.type, (params) => void messages.push(params));
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    for (const waiter of waiters) {
      if (waiter.uri === params.uri && waiter.accept(params.diagnostics)) {
        waiters.delete(waiter);
        waiter.resolve(params.diagnostics);
      }
    }
  });
  // What the extension's configuration middleware answers.
  connection.onRequest(ConfigurationRequest.type, (params) =>
    params.items.map((item) => (item.section === 'llmops' ? serverSettings(settings, trusted) : null)),
  );
  connection.listen();

  const rootUri = options.root ? pathToFileURL(options.root).href : null;
  const initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri,
    workspaceFolders: rootUri ? [{ uri: rootUri, name: path.basename(options.root!) }] : null,
    capabilities: {
      ...options.capabilities,
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
    },
    initializationOptions: launch.initializationOptions,
  });
  await connection.sendNotification(InitializedNotification.type, {});

  return {
    connection,
    initializeResult,
    messages,
    dataDir,
    execute: (command, args) => connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }),
    diagnostics(uri, accept = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const waiter = { uri, accept, resolve: (d: Diagnostic[]) => (clearTimeout(timer), resolve(d)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; server stderr:\n${stderr}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      try {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // Already gone: the exit wait below still holds.
      }
      const timer = setTimeout(() => child.kill(), 3000);
      await exited;
      clearTimeout(timer);
      connection.dispose();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
