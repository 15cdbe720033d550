/**
 * The exercise webview panel beside the editor. One panel is reused for every
 * exercise so answering never litters the editor with tabs.
 *
 * The panel takes the keyboard focus when it shows an exercise: every way
 * to open one (Learn, a hover link, the glossary, a review, Next) is the
 * learner asking for it, and the page's "Press 1–4" keys must reach the
 * page, never the document underneath. The page keeps its own state (see
 * webview/exercise.ts); after a window reload `deserialize` rebuilds the
 * panel around that saved state.
 */
import * as vscode from 'vscode';
import { ExerciseSession, isExercise, type Execute } from './flow';
import { exerciseHtml, makeNonce } from './webview/html';
import type { AnswerResult, Exercise, FromPage, Origin, PageState, ToPage } from './webview/protocol';

export const EXERCISE_VIEW_TYPE = 'llmops.exercise';

/**
 * "You met this in `app/assistant.py:42`": opens that document in the first
 * column with the cursor on the term. Only documents (a `file:` or other
 * editor URI), never a `command:` one.
 */
async function showOrigin(origin: Origin): Promise<void> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(origin.uri, true);
  } catch {
    return;
  }
  if (uri.scheme === 'command') return;
  const position = new vscode.Position(origin.line, Math.max(0, Number(origin.character) || 0));
  try {
    await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
  } catch (error) {
    void vscode.window.showWarningMessage(`LLMOps: cannot open ${origin.path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export class ExercisePanel implements vscode.Disposable, vscode.WebviewPanelSerializer<PageState> {
  private panel: vscode.WebviewPanel | undefined;
  private session: ExerciseSession;

  constructor(
    private readonly extensionUri: vscode.Uri,
    execute: Execute,
    onAnswered: (result?: AnswerResult) => void,
    /** The column our panels share (the term page's, when it is open, else beside the file). */
    private readonly column: () => vscode.ViewColumn = () => vscode.ViewColumn.Beside,
  ) {
    this.session = new ExerciseSession(execute, onAnswered, (origin) => void showOrigin(origin));
  }

  private get scripts(): vscode.Uri {
    return vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
  }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, localResourceRoots: [this.scripts] };
  }

  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  /** Shows the panel again (the term page's "Back to the exercise"); false if there is none. */
  reveal(): boolean {
    this.panel?.reveal(this.panel.viewColumn ?? this.column(), false);
    return this.panel !== undefined;
  }

  async show(exercise: Exercise): Promise<void> {
    const message = this.session.show(exercise) as Extract<ToPage, { type: 'exercise' }>;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        EXERCISE_VIEW_TYPE,
        `LLMOps: ${exercise.title}`,
        { viewColumn: this.column(), preserveFocus: false },
        this.options(),
      );
      this.attach(this.panel);
    } else {
      this.panel.reveal(this.panel.viewColumn ?? this.column(), false);
    }
    const panel = this.panel;
    panel.title = `LLMOps: ${exercise.title}`;
    // The module line comes with the exercise, so a reused panel keeps it
    // (issue 23, item 6). If the page is still loading, its `ready`
    // message asks for the exercise again.
    const moduleLine = await this.session.moduleLine();
    if (this.session.seq === message.seq) void panel.webview.postMessage({ ...message, moduleLine });
  }

  /** Window reload: VS Code hands back the panel and the page's last saved state. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PageState | undefined): Promise<void> {
    if (state && isExercise(state.exercise)) {
      this.session.current = state.exercise;
      this.session.seq = typeof state.seq === 'number' ? state.seq : 0;
      panel.title = `LLMOps: ${state.exercise.title}`;
    }
    this.panel?.dispose();
    this.panel = panel;
    panel.webview.options = this.options();
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.html = exerciseHtml({
      nonce: makeNonce(),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.scripts, 'exercise.js')).toString(),
    });
    webview.onDidReceiveMessage(async (message: FromPage) => {
      const reply = await this.session.handle(message);
      if (reply?.type === 'exercise') panel.title = `LLMOps: ${reply.exercise.title}`;
      if (reply) void webview.postMessage(reply);
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
