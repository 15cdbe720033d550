/**
 * The term page: a term's entry rendered as a page (definition, aliases,
 * module, state, related terms, exercises) instead of the raw pack file.
 * One panel is reused, like a help viewer; its links run our own commands
 * only, so a related term opens in the same panel.
 */
import * as vscode from 'vscode';
import { makeNonce, termHtml } from './webview/html';
import type { TermPage } from './webview/protocol';

export const TERM_VIEW_TYPE = 'llmops.term';

/** The only commands a term page's links may run. */
export const TERM_PAGE_COMMANDS = ['llmops.showTerm', 'llmops.openExercise'];

export class TermPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  show(term: TermPage, moduleName?: string): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        TERM_VIEW_TYPE,
        term.name,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
        { enableScripts: false, enableCommandUris: TERM_PAGE_COMMANDS, localResourceRoots: [] },
      );
      const panel = this.panel;
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
      });
    } else {
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
    }
    this.panel.title = `Term: ${term.name}`;
    this.panel.webview.html = termHtml(term, { nonce: makeNonce(), cspSource: this.panel.webview.cspSource }, moduleName);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
