/**
 * The exercise webview panel beside the editor. One panel is reused for every
 * exercise so answering never litters the editor with tabs.
 */
import * as vscode from 'vscode';
import { ExerciseSession, type Execute } from './flow';
import { exerciseHtml, makeNonce } from './webview/html';
import type { AnswerResult, Exercise, FromPage } from './webview/protocol';

export class ExercisePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private session: ExerciseSession;

  constructor(
    private readonly extensionUri: vscode.Uri,
    execute: Execute,
    onAnswered: (result: AnswerResult) => void,
  ) {
    this.session = new ExerciseSession(execute, onAnswered);
  }

  show(exercise: Exercise): void {
    this.session.current = exercise;
    if (!this.panel) {
      this.panel = this.create();
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.title = `LLMOps: ${exercise.title}`;
    // If the page is still loading, its `ready` message asks for the exercise again.
    void this.panel.webview.postMessage({ type: 'exercise', exercise });
  }

  private create(): vscode.WebviewPanel {
    const scripts = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(
      'llmops.exercise',
      'LLMOps exercise',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [scripts] },
    );
    const webview = panel.webview;
    webview.html = exerciseHtml({
      nonce: makeNonce(),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(scripts, 'exercise.js')).toString(),
    });
    webview.onDidReceiveMessage(async (message: FromPage) => {
      const reply = await this.session.handle(message);
      if (reply?.type === 'exercise') panel.title = `LLMOps: ${reply.exercise.title}`;
      if (reply) void webview.postMessage(reply);
    });
    panel.onDidDispose(() => (this.panel = undefined));
    return panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
