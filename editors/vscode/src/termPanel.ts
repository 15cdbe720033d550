/**
 * The term page: a term's entry rendered as a page (definition, aliases,
 * module, state, related terms, exercises) instead of the raw pack file.
 * One panel is reused, like a help viewer, in the LLMOps column (the
 * exercise panel's, when it is open: never a third column squeezing the
 * file). Its links run our own commands only, so a related term opens in
 * the same panel, and Back returns to the page before it or, from the
 * first one, to the exercise.
 */
import * as vscode from 'vscode';
import { makeNonce, termHtml } from './webview/html';
import type { TermPage } from './webview/protocol';

export const TERM_VIEW_TYPE = 'llmops.term';
export const TERM_BACK = 'llmops.termBack';

/** The only commands a term page's links may run. */
export const TERM_PAGE_COMMANDS = ['llmops.showTerm', 'llmops.openExercise', TERM_BACK];

export class TermPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** Term ids shown in this panel, the current one last. */
  private history: string[] = [];

  constructor(
    /** The column our panels share (where the exercise panel is, else beside the file). */
    private readonly column: () => vscode.ViewColumn,
    /** Whether there is an exercise to go back to from the first page. */
    private readonly hasExercise: () => boolean,
  ) {}

  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  /** The page before this one, or undefined (Back then shows the exercise). */
  back(): string | undefined {
    this.history.pop();
    return this.history.pop();
  }

  show(term: TermPage, moduleName?: string): void {
    if (!this.panel) {
      this.history = [];
      this.panel = vscode.window.createWebviewPanel(
        TERM_VIEW_TYPE,
        term.name,
        { viewColumn: this.column(), preserveFocus: false },
        { enableScripts: false, enableCommandUris: TERM_PAGE_COMMANDS, localResourceRoots: [] },
      );
      const panel = this.panel;
      panel.onDidDispose(() => {
        if (this.panel === panel) this.panel = undefined;
      });
    } else {
      this.panel.reveal(this.panel.viewColumn ?? this.column(), false);
    }
    if (this.history.at(-1) !== term.id) this.history.push(term.id);
    const back = this.history.length > 1 ? 'Back' : this.hasExercise() ? 'Back to the exercise' : undefined;
    this.panel.title = `Term: ${term.name}`;
    this.panel.webview.html = termHtml(term, { nonce: makeNonce(), cspSource: this.panel.webview.cspSource, back }, moduleName);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
