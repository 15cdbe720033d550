/**
 * VS Code entry point: starts `llmops-lsp` over stdio, shows exercises in a
 * webview when the server's `llmops.openExercise` runs and term pages when
 * `llmops.termPage` runs, keeps a status bar item and the glossary view up
 * to date, and offers the commands of the status bar's menu.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, type LanguageClientOptions } from 'vscode-languageclient/node';
import { EXERCISE_VIEW_TYPE, ExercisePanel } from './exercisePanel';
import { PushDiagnosticsOnly } from './pushDiagnostics';
import { withoutRepeatedTitle } from './hoverTitle';
import {
  FORGET_KNOWN,
  LIST_EXERCISES,
  OPEN_EXERCISE,
  moduleSummary,
  newTermIn,
  progressTitle,
  PROGRESS,
  TERM_PAGE,
  dueTerms,
  errorMessage,
  executeCommandMiddleware,
  exerciseArgsAt,
  moduleId,
  plural,
  progressItems,
  statusMenu,
  statusText,
  statusTooltip,
  type Execute,
  UnsavedChanges,
} from './flow';
import { GlossaryView } from './glossaryView';
import { HintDecorations } from './hintDecorations';
import { SAMPLE_NOTE, SAMPLE_PATH, SAMPLE_TERM_POSITION } from './sample';
import { TermPanel } from './termPanel';
import { welcomeOnce } from './welcome';
import {
  DOCUMENT_SELECTOR,
  HOVER_COMMANDS,
  SAMPLE_SCHEME,
  SECTION,
  ServerNotFoundError,
  ensureBundledExecutable,
  serverLaunch,
  serverSettings,
  type Settings,
} from './launch';
import type { ExerciseSummary, Progress, TermPage } from './webview/protocol';


/** The walkthrough's full id: publisher.name#id. */
const WALKTHROUGH = 'llmops-lsp.llmops-lsp#llmops.start';

let client: LanguageClient | undefined;

/** The `llmops` section as plain JSON (what the server receives). */
function currentSettings(): Settings {
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SECTION))) as Settings;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = vscode.window.createStatusBarItem('llmops.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'LLMOps Vocabulary';
  status.command = 'llmops.menu';
  context.subscriptions.push(status);
  let lastProgress: Progress | undefined;

  // Straight to the server, bypassing the middleware, so the panel's own
  // requests do not open the panel again.
  const unsaved = new UnsavedChanges();
  const sawResult = (result: unknown) => {
    const warning = unsaved.check(result);
    if (warning) void vscode.window.showWarningMessage(`LLMOps: ${warning}`);
  };
  const execute: Execute = async (command, args) => {
    if (!client?.isRunning()) throw new Error('The LLMOps language server is not running.');
    const result = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    sawResult(result);
    return result;
  };

  const glossaryView = new GlossaryView(execute);
  const tree = vscode.window.createTreeView('llmops.glossary', { treeDataProvider: glossaryView, showCollapseAll: true });
  context.subscriptions.push(glossaryView, tree);

  const refreshStatus = async (): Promise<void> => {
    try {
      const progress = (await execute(PROGRESS, [])) as Progress;
      lastProgress = progress;
      status.text = statusText(progress);
      status.tooltip = statusTooltip(progress);
      status.show();
    } catch {
      status.hide();
    }
    await glossaryView.refresh();
    tree.message = glossaryView.message;
  };

  // One LLMOps column for the exercise and the term pages: whichever of
  // them is open decides where the other goes, so a link never opens a
  // third column that squeezes the file (issue 23, item 4).
  let termPanel: TermPanel;
  const llmopsColumn = (): vscode.ViewColumn => termPanel?.viewColumn ?? panel?.viewColumn ?? vscode.ViewColumn.Beside;
  const panel: ExercisePanel = new ExercisePanel(context.extensionUri, execute, () => void refreshStatus(), llmopsColumn);
  termPanel = new TermPanel(llmopsColumn, () => panel.viewColumn !== undefined);
  context.subscriptions.push(panel, termPanel, vscode.window.registerWebviewPanelSerializer(EXERCISE_VIEW_TYPE, panel));
  context.subscriptions.push(new HintDecorations());

  // The walkthrough's sample: one read-only document, reused.
  const sampleUri = vscode.Uri.from({ scheme: SAMPLE_SCHEME, path: SAMPLE_PATH });
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SAMPLE_SCHEME, { provideTextDocumentContent: () => SAMPLE_NOTE }),
  );

  /** The module's name for a term page, from the last progress the status bar fetched. */
  const moduleName = (page: TermPage): string | undefined => {
    // The page's own module, else its exercises' (a term's exercises share its module).
    const ref = page.module ?? page.exercises?.find((e) => moduleId(e.module) !== undefined)?.module;
    const id = moduleId(ref);
    if (typeof ref === 'object' && ref?.name) return ref.name;
    return lastProgress?.modules?.find((m) => m.id === id)?.name ?? id;
  };

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
      // Hover links (Learn, related terms) may run our own commands, nothing else.
      markdown: { isTrusted: { enabledCommands: HOVER_COMMANDS }, supportHtml: false },
      middleware: {
        // VS Code prints the hinted term's diagnostic above the hover: drop
        // the name the server's hover would repeat (see hoverTitle.ts).
        provideHover: async (document, position, token, next) => {
          const hover = await next(document, position, token);
          const here = (client?.diagnostics?.get(document.uri) ?? [])
            .filter((d) => d.source === 'llmops' && d.range.contains(position))
            .map((d) => d.message);
          return hover && here.length > 0 ? dedupeHover(hover, here) : hover;
        },
        executeCommand: executeCommandMiddleware({
          showExercise: (exercise) => {
            // A hover's Learn link leaves the hover open over the file: close it.
            void vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
            void panel.show(exercise);
          },
          showTermPage: (page) => termPanel.show(page, moduleName(page)),
          learningChanged: () => void refreshStatus(),
          showError: (message) => void vscode.window.showErrorMessage(message),
          sawResult,
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
    client.registerFeature(new PushDiagnosticsOnly());
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
        // A summary first (one row per module with its counts), then that
        // module's exercises: never a flat list of every exercise.
        const [progress, list] = (await Promise.all([execute(PROGRESS, []), execute(LIST_EXERCISES, [])])) as [Progress, ExerciseSummary[]];
        const module = await vscode.window.showQuickPick(moduleSummary(list, progress), {
          title: progressTitle(progress),
          placeHolder: 'Pick a module to see its exercises',
          matchOnDescription: true,
        });
        if (!module) return;
        const picked = await vscode.window.showQuickPick(
          progressItems(list.filter((e) => (moduleId(e.module) ?? '') === module.moduleId)),
          { title: `LLMOps: ${module.label.replace(/^\$\([^)]*\) /, '')} · ${module.description}`, placeHolder: 'Pick an exercise to open it', matchOnDescription: true },
        );
        if (picked) await vscode.commands.executeCommand(OPEN_EXERCISE, { exerciseId: picked.exerciseId });
      } catch (error) {
        void vscode.window.showErrorMessage(`LLMOps: ${errorMessage(error)}`);
      }
    }),
    vscode.commands.registerCommand('llmops.restartServer', restart),
    vscode.commands.registerCommand('llmops.menu', async () => {
      const picked = await vscode.window.showQuickPick(statusMenu(lastProgress), { title: 'LLMOps Vocabulary', placeHolder: status.tooltip as string | undefined });
      if (picked) await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
    }),
    vscode.commands.registerCommand('llmops.reviewDue', async () => {
      try {
        const [progress, list] = (await Promise.all([execute(PROGRESS, []), execute(LIST_EXERCISES, [])])) as [Progress, ExerciseSummary[]];
        const due = dueTerms(progress, list);
        if (due.length === 0) {
          // Not a dead end: offer a term from the open file the learner
          // has not started, else the course's first unstarted one.
          const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
          const fresh = editor ? newTermIn(vscode.languages.getDiagnostics(editor.document.uri), progress) : undefined;
          const firstNew = list.find((e) => (progress.terms?.[e.term] ?? 'new') === 'new');
          const termId = fresh?.termId ?? firstNew?.term;
          const name = list.find((e) => e.term === termId)?.termName ?? termId;
          if (!termId || !name) {
            void vscode.window.showInformationMessage('LLMOps: no term is due for review, and every term is started. Well done.');
            return;
          }
          const where = fresh ? 'from this file' : 'to start with';
          const learn = `Learn ${name}`;
          const choice = await vscode.window.showInformationMessage(`LLMOps: no term is due for review. A new term ${where}: ${name}.`, learn);
          if (choice === learn) {
            await vscode.commands.executeCommand(OPEN_EXERCISE, fresh?.exerciseId ? { exerciseId: fresh.exerciseId } : { termId });
          }
          return;
        }
        const picked =
          due.length === 1
            ? due[0]
            : await vscode.window.showQuickPick(
                due.map((d) => ({ label: d.name, termId: d.termId })),
                { title: `LLMOps: ${plural(due.length, 'term')} due for review`, placeHolder: 'Pick a term to review' },
              ).then((p) => p && { termId: p.termId, name: p.label });
        // The server picks the term's exercise seen least recently.
        if (picked) await vscode.commands.executeCommand(OPEN_EXERCISE, { termId: picked.termId });
      } catch (error) {
        void vscode.window.showErrorMessage(`LLMOps: ${errorMessage(error)}`);
      }
    }),
    vscode.commands.registerCommand('llmops.showTerm', async (arg?: { termId?: string }) => {
      const termId = typeof arg?.termId === 'string' ? arg.termId : undefined;
      if (!termId) return;
      if (!(await vscode.commands.getCommands(true)).includes(TERM_PAGE)) {
        void vscode.window.showWarningMessage(
          'LLMOps: this llmops-lsp has no term pages (llmops.termPage). Update the server, or restart it if it is not running.',
        );
        return;
      }
      // The client's own handler for the server command, so the middleware shows the page.
      await vscode.commands.executeCommand(TERM_PAGE, { termId });
    }),
    vscode.commands.registerCommand('llmops.termBack', async () => {
      const previous = termPanel.back();
      if (previous) await vscode.commands.executeCommand(TERM_PAGE, { termId: previous });
      else panel.reveal();
    }),
    vscode.commands.registerCommand('llmops.practiseTerm', async (node?: { term?: { id: string } }) => {
      if (node?.term?.id) await vscode.commands.executeCommand(OPEN_EXERCISE, { termId: node.term.id });
    }),
    vscode.commands.registerCommand('llmops.forgetAllKnown', async () => {
      await vscode.commands.executeCommand(FORGET_KNOWN);
    }),
    // The server writes the pack (never over one) and answers its URI.
    vscode.commands.registerCommand('llmops.newTeamPack', async () => {
      const created = await vscode.commands.executeCommand<{ uri?: string } | undefined>('llmops.createTeamPack');
      if (created?.uri) await vscode.window.showTextDocument(vscode.Uri.parse(created.uri));
    }),
    vscode.commands.registerCommand('llmops.glossary.refresh', () => refreshStatus()),
    vscode.commands.registerCommand('llmops.walkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false),
    ),
    vscode.commands.registerCommand('llmops.openSample', async () => {
      const document = await vscode.workspace.openTextDocument(sampleUri);
      const editor = await vscode.window.showTextDocument(document, { preview: false });
      const at = new vscode.Position(SAMPLE_TERM_POSITION.line, SAMPLE_TERM_POSITION.character);
      editor.selection = new vscode.Selection(at, at);
      editor.revealRange(new vscode.Range(at, at));
    }),
    vscode.commands.registerCommand('llmops.walkthroughHover', async () => {
      await vscode.commands.executeCommand('llmops.openSample');
      await vscode.commands.executeCommand('editor.action.showHover');
    }),
    // Trust granted mid-session: restart so the workspace's team packs load.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('llmops.server.path')) void restart();
    }),
  );

  await start();
  context.subscriptions.push(welcomeOnce(context, () => vscode.commands.executeCommand('llmops.walkthroughHover')));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

/** `hover` with the repeated title dropped from each Markdown part (see hoverTitle.ts). */
function dedupeHover(hover: vscode.Hover, messagesHere: readonly string[]): vscode.Hover {
  const contents = hover.contents.map((content) => {
    if (!(content instanceof vscode.MarkdownString)) return content;
    const value = withoutRepeatedTitle(content.value, messagesHere);
    if (value === content.value) return content;
    const copy = new vscode.MarkdownString(value, content.supportThemeIcons);
    copy.isTrusted = content.isTrusted;
    copy.supportHtml = content.supportHtml;
    copy.baseUri = content.baseUri;
    return copy;
  });
  return new vscode.Hover(contents, hover.range);
}
