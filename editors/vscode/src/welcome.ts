/**
 * The one-time welcome (issue 23, item 2): the first time the extension
 * sees one of its hints on screen, it says what the dotted underline is and
 * offers to show one and to open "Get started". Stored in `globalState`, so
 * it shows once per user, not once per window or workspace; until a hint
 * has been on screen it has not been shown (it waits for something to point at).
 */
import * as vscode from 'vscode';
import { HINT_SOURCE } from './flow';

export const WELCOMED_KEY = 'llmops.welcomed';
export const SHOW_HINT = 'Show me a hint';
export const GET_STARTED = 'Get started';
export const WELCOME_TEXT =
  'LLMOps: terms underlined with dots are LLMOps vocabulary. Hover one to read it, or put the cursor on it and press Ctrl+. to practise it.';

/** The first llmops diagnostic in an editor, if any. */
function firstHint(editor: vscode.TextEditor | undefined): vscode.Diagnostic | undefined {
  if (!editor) return undefined;
  return vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === HINT_SOURCE);
}

/** Puts the cursor on `hint` in `editor` and shows its hover. */
export async function pointAt(editor: vscode.TextEditor, hint: vscode.Diagnostic): Promise<void> {
  const shown = await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  const at = hint.range.start.translate(0, 1);
  shown.selection = new vscode.Selection(at, at);
  shown.revealRange(hint.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  await vscode.commands.executeCommand('editor.action.showHover');
}

/**
 * Waits for the first hint in a visible editor, then shows the welcome once.
 * `showSample` opens the walkthrough's sample when the hint's editor is gone.
 */
export function welcomeOnce(context: vscode.ExtensionContext, showSample: () => Thenable<unknown>): vscode.Disposable {
  if (context.globalState.get<boolean>(WELCOMED_KEY)) return new vscode.Disposable(() => undefined);
  let done = false;
  const check = () => {
    if (done) return;
    const editor = vscode.window.visibleTextEditors.find((e) => firstHint(e) !== undefined);
    if (!editor) return;
    done = true;
    listener.dispose();
    void context.globalState.update(WELCOMED_KEY, true);
    void vscode.window.showInformationMessage(WELCOME_TEXT, SHOW_HINT, GET_STARTED).then(async (choice) => {
      if (choice === GET_STARTED) await vscode.commands.executeCommand('llmops.walkthrough');
      if (choice !== SHOW_HINT) return;
      const target = [vscode.window.activeTextEditor, editor, ...vscode.window.visibleTextEditors].find((e) => firstHint(e));
      const hint = firstHint(target);
      if (target && hint) await pointAt(target, hint);
      else await showSample();
    });
  };
  const listener = vscode.Disposable.from(
    vscode.languages.onDidChangeDiagnostics(check),
    vscode.window.onDidChangeVisibleTextEditors(check),
  );
  check();
  return new vscode.Disposable(() => listener.dispose());
}
