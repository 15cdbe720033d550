/**
 * Draws every LLMOps hint as the whole term with a dotted underline.
 *
 * VS Code paints a Hint diagnostic as three faint dots under the first
 * letters of its range, which a new user does not notice (issue 23, item 2).
 * The diagnostics stay as they are (the server's hints, the Problems view,
 * Ctrl+.); this adds a decoration over each llmops diagnostic's full range,
 * in a colour for light themes and one for dark themes.
 *
 * Cost: a diagnostics change redraws only the visible editors of the
 * documents it names, each in O(that document's diagnostics); nothing scans
 * a document's text.
 */
import * as vscode from 'vscode';
import { HINT_DECORATION, hintRanges } from './flow';

export class HintDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    ...HINT_DECORATION,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      this.type,
      vscode.languages.onDidChangeDiagnostics((event) => {
        const changed = new Set(event.uris.map((uri) => uri.toString()));
        for (const editor of vscode.window.visibleTextEditors) {
          if (changed.has(editor.document.uri.toString())) this.draw(editor);
        }
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => this.draw(editor))),
    ];
    vscode.window.visibleTextEditors.forEach((editor) => this.draw(editor));
  }

  private draw(editor: vscode.TextEditor): void {
    editor.setDecorations(this.type, hintRanges(vscode.languages.getDiagnostics(editor.document.uri)));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
