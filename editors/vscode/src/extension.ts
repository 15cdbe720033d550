/**
 * VS Code entry point: starts `llmops-lsp` over stdio, shows exercises in a
 * webview when the server's `llmops.openExercise` runs, and keeps a
 * `LLMOps 2/5` status bar item up to date.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, type LanguageClientOptions } from 'vscode-languageclient/node';
import { ExercisePanel } from './exercisePanel';
import {
  LIST_EXERCISES,
  OPEN_EXERCISE,
  PROGRESS,
  errorMessage,
  executeCommandMiddleware,
  exerciseArgsAt,
  progressItems,
  statusText,
  statusTooltip,
  type Execute,
} from './flow';
import {
  DOCUMENT_SELECTOR,
  SECTION,
  ServerNotFoundError,
  ensureBundledExecutable,
  serverLaunch,
  serverSettings,
  type Settings,
} from './launch';
import type { ExerciseSummary, Progress } from './webview/protocol';

let client: LanguageClient | undefined;

/** The `llmops` section as plain JSON (what the server receives). */
function currentSettings(): Settings {
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SECTION))) as Settings;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = 'llmops.showProgress';
  context.subscriptions.push(status);

  // Straight to the server, bypassing the middleware, so the panel's own
  // requests do not open the panel again.
  const execute: Execute = async (command, args) => {
    if (!client?.isRunning()) throw new Error('The LLMOps language server is not running.');
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  };

  const refreshStatus = async (): Promise<void> => {
    try {
      const progress = (await execute(PROGRESS, [])) as Progress;
      status.text = statusText(progress);
      status.tooltip = statusTooltip(progress);
      status.show();
    } catch {
      status.hide();
    }
  };

  const panel = new ExercisePanel(context.extensionUri, execute, () => void refreshStatus());
  context.subscriptions.push(panel);

  const start = async (): Promise<void> => {
    const settings = currentSettings();
    ensureBundledExecutable(context.extensionPath);
    let launch;
    try {
      launch = serverLaunch({
        configured: vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
        extensionPath: context.extensionPath,
        env: process.env,
        settings,
        trusted: vscode.workspace.isTrusted,
      });
    } catch (error) {
      if (!(error instanceof ServerNotFoundError)) throw error;
      void vscode.window.showErrorMessage(`LLMOps: ${error.message}`, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'llmops.server.path');
      });
      return;
    }
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      initializationOptions: launch.initializationOptions,
      synchronize: { configurationSection: SECTION },
      middleware: {
        executeCommand: executeCommandMiddleware({
          showExercise: (exercise) => panel.show(exercise),
          learningChanged: () => void refreshStatus(),
          showError: (message) => void vscode.window.showErrorMessage(message),
        }),
        workspace: {
          // The server pulls `llmops` with workspace/configuration; add the
          // trust decision so it survives every settings reload.
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) return values;
            return values.map((value: unknown, i) =>
              params.items[i]?.section === SECTION ? serverSettings(value as Settings, vscode.workspace.isTrusted) : value,
            );
          },
          // Pushed settings would lack the trust flag: in an untrusted
          // workspace send `settings: null` so the server pulls them instead.
          didChangeConfiguration: (sections, next) => next(vscode.workspace.isTrusted ? sections : undefined),
        },
      },
    };
    client = new LanguageClient(
      SECTION,
      'LLMOps',
      { command: launch.command, args: launch.args, options: { env: launch.env } },
      clientOptions,
    );
    try {
      await client.start();
    } catch (error) {
      // The client has already logged the details in the LLMOps output channel.
      void vscode.window.showErrorMessage(`LLMOps: the language server ${launch.command} failed to start: ${errorMessage(error)}`);
      return;
    }
    await refreshStatus();
  };

  const restart = async (): Promise<void> => {
    const old = client;
    client = undefined;
    status.hide();
    await old?.stop().catch(() => undefined);
    await start();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('llmops.openExerciseUnderCursor', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const args = exerciseArgsAt(vscode.languages.getDiagnostics(editor.document.uri), editor.selection.active);
      if (!args) {
        void vscode.window.showInformationMessage('LLMOps: no LLMOps term under the cursor.');
        return;
      }
      // The client's own command handler, so the middleware shows the panel.
      await vscode.commands.executeCommand(OPEN_EXERCISE, ...args);
    }),
    vscode.commands.registerCommand('llmops.showProgress', async () => {
      try {
        const list = (await execute(LIST_EXERCISES, [])) as ExerciseSummary[];
        const picked = await vscode.window.showQuickPick(progressItems(list), {
          title: 'LLMOps exercises',
          placeHolder: 'Pick an exercise to open it',
          matchOnDescription: true,
        });
        if (picked) await vscode.commands.executeCommand(OPEN_EXERCISE, { exerciseId: picked.exerciseId });
      } catch (error) {
        void vscode.window.showErrorMessage(`LLMOps: ${errorMessage(error)}`);
      }
    }),
    vscode.commands.registerCommand('llmops.restartServer', restart),
    // Trust granted mid-session: restart so the workspace's team packs load.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('llmops.server.path')) void restart();
    }),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
