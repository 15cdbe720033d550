/**
 * The exercise webview's HTML. It does not import `vscode`, so a test can
 * load exactly this page in a browser.
 *
 * The page is a fixed skeleton: every piece of server text (which may come
 * from an untrusted team pack) is put in later by `exercise.ts` with
 * `textContent`. The Content-Security-Policy allows no remote content, only
 * the nonce'd script and style, so even a slip there could not run injected
 * markup.
 */

export interface PageOptions {
  /** Fresh per render; the only thing that lets the script and style run. */
  nonce: string;
  /** `webview.cspSource`: the origin VS Code serves extension files from. */
  cspSource: string;
  /** URI of the bundled page script (`dist/webview/exercise.js`). */
  scriptUri: string;
}

/** A random nonce (base64 of 16 random bytes), from Web Crypto so it works in Node and browsers. */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Follows the editor's theme through VS Code's `--vscode-*` variables; the fallbacks are for plain browsers. */
const STYLE = `
:root { color-scheme: light dark; }
body {
  font-family: var(--vscode-font-family, system-ui, sans-serif);
  font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #1f1f1f);
  background: var(--vscode-editor-background, #ffffff);
  margin: 0; padding: 16px 24px 32px; line-height: 1.5;
}
main { max-width: 46em; }
[hidden] { display: none !important; }
.meta { color: var(--vscode-descriptionForeground, #6b6b6b); margin: 0; }
h1 { font-size: 1.5em; font-weight: 600; margin: 0.2em 0 0.6em; }
.question { font-weight: 600; }
.choices { list-style: none; padding: 0; margin: 1em 0; display: grid; gap: 8px; }
.choice {
  display: flex; gap: 10px; align-items: baseline; width: 100%; text-align: left;
  font: inherit; padding: 8px 12px; cursor: pointer; border-radius: 4px;
  color: var(--vscode-button-secondaryForeground, #1f1f1f);
  background: var(--vscode-button-secondaryBackground, #e5e5e5);
  border: 1px solid var(--vscode-contrastBorder, transparent);
}
.choice:hover { background: var(--vscode-button-secondaryHoverBackground, #d4d4d4); }
.choice:focus-visible, .link:focus-visible { outline: 2px solid var(--vscode-focusBorder, #0078d4); outline-offset: 2px; }
.choice[aria-pressed="true"] { border-color: var(--vscode-focusBorder, #0078d4); }
.choice.right { border: 2px solid var(--vscode-testing-iconPassed, #388a34); }
.choice.wrong { border: 2px solid var(--vscode-testing-iconFailed, #e51400); }
.key {
  flex: none; min-width: 1.6em; text-align: center; border-radius: 3px;
  font-family: var(--vscode-editor-font-family, monospace);
  background: var(--vscode-keybindingLabel-background, rgba(128,128,128,0.17));
  border: 1px solid var(--vscode-keybindingLabel-border, rgba(128,128,128,0.4));
}
.result { border-left: 4px solid var(--vscode-textLink-foreground, #0078d4); padding: 4px 0 4px 12px; margin: 1em 0; }
.result.correct { border-left-color: var(--vscode-testing-iconPassed, #388a34); }
.result.incorrect { border-left-color: var(--vscode-testing-iconFailed, #e51400); }
.verdict { font-weight: 600; font-size: 1.1em; margin: 0; }
.link {
  font: inherit; background: none; border: none; padding: 0; cursor: pointer;
  color: var(--vscode-textLink-foreground, #0078d4); text-decoration: underline;
}
.link:hover { color: var(--vscode-textLink-activeForeground, #005a9e); }
.error { color: var(--vscode-errorForeground, #e51400); }
dt { font-weight: 600; margin-top: 0.5em; }
dd { margin: 0 0 0 1em; }
.hint { color: var(--vscode-descriptionForeground, #6b6b6b); font-size: 0.9em; }
`;

/** The whole page; the script fills it in when `{type:'exercise'}` arrives. */
export function exerciseHtml({ nonce, cspSource, scriptUri }: PageOptions): string {
  const n = attr(nonce);
  const csp = `default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>LLMOps exercise</title>
<style nonce="${n}">${STYLE}</style>
</head>
<body>
<main>
  <p id="loading" class="meta">Loading exercise…</p>
  <article id="exercise" hidden>
    <p id="meta" class="meta"></p>
    <h1 id="title"></h1>
    <p id="scenario"></p>
    <p id="question" class="question"></p>
    <ol id="choices" class="choices" aria-label="Choices"></ol>
    <p class="hint">Press 1–4 to pick a choice, Enter to answer.</p>
    <section id="result" class="result" role="status" aria-live="polite" hidden>
      <p id="verdict" class="verdict"></p>
      <p id="explanation"></p>
      <p id="progress" class="meta"></p>
      <p><button id="next" class="link" type="button" hidden>Next exercise →</button><span id="last" hidden>That was the last open exercise.</span></p>
    </section>
    <details id="vocabulary-box">
      <summary>Vocabulary in this exercise</summary>
      <dl id="vocabulary"></dl>
    </details>
  </article>
  <p id="error" class="error" role="alert" hidden></p>
</main>
<script nonce="${n}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}
