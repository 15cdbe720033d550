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
import type { TermPage } from './protocol';

export interface PageOptions {
  /** Fresh per render; the only thing that lets the script and style run. */
  nonce: string;
  /** `webview.cspSource`: the origin VS Code serves extension files from. */
  cspSource: string;
  /** URI of the bundled page script (`dist/webview/exercise.js`). */
  scriptUri: string;
  /** How long "Loading exercise…" may show before the page offers Retry. */
  loadTimeoutMs?: number;
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
.choice:disabled { cursor: default; }
.choice:disabled:not(.right):not(.wrong) { opacity: 0.75; }
.choice:disabled:hover { background: var(--vscode-button-secondaryBackground, #e5e5e5); }
.why { margin: 4px 0 0 2.6em; font-size: 0.95em; color: var(--vscode-descriptionForeground, #6b6b6b); }
.reason { margin: 0.3em 0; }
details.folded > summary { cursor: pointer; color: var(--vscode-textLink-foreground, #0078d4); }
#explanation { margin: 0.3em 0; }
#explanation > p { margin: 0.3em 0; }
.key {
  flex: none; min-width: 1.6em; text-align: center; border-radius: 3px;
  font-family: var(--vscode-editor-font-family, monospace);
  background: var(--vscode-keybindingLabel-background, rgba(128,128,128,0.17));
  border: 1px solid var(--vscode-keybindingLabel-border, rgba(128,128,128,0.4));
}
.result { border-left: 4px solid var(--vscode-textLink-foreground, #0078d4); padding: 4px 0 4px 12px; margin: 1em 0; scroll-margin: 16px; }
.result.correct { border-left-color: var(--vscode-testing-iconPassed, #388a34); }
.result.incorrect { border-left-color: var(--vscode-testing-iconFailed, #e51400); }
.result.revealed { border-left-color: var(--vscode-editorWarning-foreground, #bf8803); }
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
.origin { margin: 0 0 0.6em; overflow-wrap: anywhere; }
.origin code, .snippet code {
  font-family: var(--vscode-editor-font-family, monospace);
  font-size: var(--vscode-editor-font-size, 0.95em);
}
figure.snippet { margin: 0.8em 0; }
/* VS Code's default webview style gives every <code> a background and padding: not inside the block. */
.snippet pre code { background: none; padding: 0; border-radius: 0; white-space: pre; }
.snippet figcaption { font-family: var(--vscode-editor-font-family, monospace); font-size: 0.9em; margin-bottom: 2px; }
.snippet pre {
  margin: 0; padding: 8px 12px; overflow-x: auto; border-radius: 4px; line-height: 1.4;
  background: var(--vscode-textCodeBlock-background, rgba(128,128,128,0.12));
  border: 1px solid var(--vscode-widget-border, rgba(128,128,128,0.25));
}
/* Token colours for the bundled highlighter: a light palette, and a dark one for dark and high-contrast themes. */
.hljs-keyword, .hljs-meta .hljs-keyword, .hljs-doctag, .hljs-selector-tag { color: #af00db; }
.hljs-built_in, .hljs-type, .hljs-class .hljs-title, .hljs-title.class_ { color: #267f99; }
.hljs-title, .hljs-title.function_, .hljs-section { color: #795e26; }
.hljs-string, .hljs-regexp, .hljs-meta .hljs-string { color: #a31515; }
.hljs-number, .hljs-literal, .hljs-symbol, .hljs-bullet { color: #098658; }
.hljs-attr, .hljs-attribute, .hljs-variable, .hljs-template-variable, .hljs-params, .hljs-property { color: #001080; }
.hljs-comment, .hljs-quote { color: #008000; font-style: italic; }
.hljs-meta { color: #0000ff; }
body.vscode-dark .hljs-keyword, body.vscode-high-contrast .hljs-keyword, body.vscode-dark .hljs-doctag, body.vscode-dark .hljs-selector-tag { color: #c586c0; }
body.vscode-dark .hljs-built_in, body.vscode-dark .hljs-type, body.vscode-dark .hljs-title.class_, body.vscode-high-contrast .hljs-built_in { color: #4ec9b0; }
body.vscode-dark .hljs-title, body.vscode-dark .hljs-title.function_, body.vscode-high-contrast .hljs-title { color: #dcdcaa; }
body.vscode-dark .hljs-string, body.vscode-dark .hljs-regexp, body.vscode-high-contrast .hljs-string { color: #ce9178; }
body.vscode-dark .hljs-number, body.vscode-dark .hljs-literal, body.vscode-high-contrast .hljs-number { color: #b5cea8; }
body.vscode-dark .hljs-attr, body.vscode-dark .hljs-attribute, body.vscode-dark .hljs-variable, body.vscode-dark .hljs-params, body.vscode-dark .hljs-property, body.vscode-high-contrast .hljs-attr { color: #9cdcfe; }
body.vscode-dark .hljs-comment, body.vscode-dark .hljs-quote, body.vscode-high-contrast .hljs-comment { color: #6a9955; }
body.vscode-dark .hljs-meta, body.vscode-high-contrast .hljs-meta { color: #569cd6; }
.origin code { background: var(--vscode-textCodeBlock-background, rgba(128,128,128,0.15)); padding: 0 4px; border-radius: 3px; }
`;

/** The whole page; the script fills it in when `{type:'exercise'}` arrives. */
export function exerciseHtml({ nonce, cspSource, scriptUri, loadTimeoutMs = 10_000 }: PageOptions): string {
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
<body data-load-timeout="${Math.max(1, Math.floor(loadTimeoutMs))}">
<main>
  <p id="loading" class="meta">Loading exercise…</p>
  <article id="exercise" hidden>
    <p id="origin" class="origin" hidden>You met this in <button id="origin-link" class="link" type="button" title="Go back to this line"><code id="origin-path"></code></button>: <code id="origin-text"></code></p>
    <p id="meta" class="meta"></p>
    <p id="module" class="meta" hidden></p>
    <h1 id="title"></h1>
    <p id="scenario"></p>
    <figure id="snippet" class="snippet" hidden>
      <figcaption id="snippet-caption" class="meta" hidden></figcaption>
      <pre><code id="snippet-code"></code></pre>
    </figure>
    <p id="question" class="question"></p>
    <section id="result" class="result" role="status" aria-live="polite" hidden>
      <p id="verdict" class="verdict"></p>
      <p id="reason" class="reason"></p>
      <p id="retry" hidden>Pick another choice (1–4) to try again, or <button id="reveal" class="link" type="button">show the answer</button> <kbd class="key">R</kbd>.</p>
      <p id="lapse" class="meta" hidden></p>
      <div id="explanation" hidden><p id="explanation-text"></p><details id="explanation-more" class="folded"><summary>Read the full explanation</summary><p id="explanation-rest"></p></details></div>
      <p id="progress" class="meta"></p>
      <p><button id="next" class="link" type="button" hidden>Next exercise →</button><span id="next-key" class="hint" hidden> or press N</span><span id="last" hidden>That was the last open exercise.</span></p>
    </section>
    <ol id="choices" class="choices" aria-label="Choices"></ol>
    <p id="hint" class="hint">Press 1–4 to pick a choice, Enter to answer.</p>
    <details id="vocabulary-box">
      <summary>Vocabulary in this exercise</summary>
      <dl id="vocabulary"></dl>
    </details>
  </article>
  <p id="error" class="error" role="alert" hidden></p>
  <p><button id="reload" class="link" type="button" hidden>Retry</button></p>
</main>
<script nonce="${n}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}

/** Escapes server text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A `command:` URI that runs one of our commands with JSON arguments (what VS Code's command links take). */
export function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

export interface TermPageOptions {
  nonce: string;
  cspSource: string;
  /** The Back link's text (`llmops.termBack`), when there is somewhere to go back to. */
  back?: string;
}


const STATE_TEXT: Record<string, string> = {
  new: 'New: not practised yet',
  learning: 'Learning',
  due: 'Review due',
  known: 'Known',
};

/**
 * A term's entry as a page: definition, aliases, module, state, related terms
 * and exercises. No script at all: the page is rendered here with every piece
 * of server text escaped, and its links are `command:` URIs that the panel
 * allows for our own commands only (`enableCommandUris`).
 */
export function termHtml(term: TermPage, { nonce, cspSource, back }: TermPageOptions, moduleName?: string): string {
  const csp = `default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'`;
  const aliases = Array.isArray(term.aliases) && term.aliases.length > 0
    ? `<p class="aliases"><span class="label">Also written</span> ${term.aliases.map((a) => `<code>${escapeHtml(a)}</code>`).join(' ')}</p>`
    : '';
  const examples = Array.isArray(term.examples) && term.examples.length > 0
    ? `<ul class="examples">${term.examples.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
    : '';
  const avoid = Array.isArray(term.avoid) && term.avoid.length > 0
    ? `<p class="aliases"><span class="label">Team vocabulary: not</span> ${term.avoid.map((a) => `<code>${escapeHtml(a)}</code>`).join(' ')}</p>`
    : '';
  const meta = [moduleName ? escapeHtml(moduleName) : '', term.state ? escapeHtml(STATE_TEXT[term.state] ?? term.state) : '']
    .filter(Boolean)
    .join(' · ');
  const related = Array.isArray(term.related) && term.related.length > 0
    ? `<h2>Related terms</h2><ul class="related">${term.related
        .map(
          (r) =>
            `<li><a href="${escapeHtml(commandUri('llmops.showTerm', [{ termId: r.id }]))}">${escapeHtml(r.name)}</a>${
              r.summary ? ` <span class="summary">${escapeHtml(r.summary)}</span>` : ''
            }</li>`,
        )
        .join('')}</ul>`
    : '';
  const exercises = Array.isArray(term.exercises) && term.exercises.length > 0
    ? `<h2>Practise</h2><ul class="exercises">${term.exercises
        .map(
          (e) =>
            `<li><a href="${escapeHtml(commandUri('llmops.openExercise', [{ exerciseId: e.id }]))}">${escapeHtml(e.title)}</a> <span class="summary">${
              e.completed ? 'completed ✓' : e.attempts ? `${e.attempts} ${e.attempts === 1 ? 'try' : 'tries'}, not solved yet` : 'not started'
            }</span></li>`,
        )
        .join('')}</ul>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(term.name)}</title>
<style nonce="${attr(nonce)}">${STYLE}
h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; }
.definition { font-size: 1.05em; }
.label { color: var(--vscode-descriptionForeground, #6b6b6b); margin-right: 0.4em; }
code { font-family: var(--vscode-editor-font-family, monospace); background: var(--vscode-textCodeBlock-background, rgba(128,128,128,0.15)); padding: 0 4px; border-radius: 3px; }
ul { padding-left: 1.2em; }
li { margin: 0.3em 0; }
a { color: var(--vscode-textLink-foreground, #0078d4); }
.summary { color: var(--vscode-descriptionForeground, #6b6b6b); }
</style>
</head>
<body>
<main id="term" data-term="${attr(term.id)}">
  ${back ? `<p class="back"><a id="back" href="${escapeHtml(commandUri('llmops.termBack', []))}">← ${escapeHtml(back)}</a></p>` : ''}
  ${meta ? `<p class="meta">${meta}</p>` : ''}
  <h1>${escapeHtml(term.name)}</h1>
  ${aliases}
  <p class="definition">${escapeHtml(term.definition)}</p>
  ${examples}
  ${avoid}
  ${related}
  ${exercises}
</main>
</body>
</html>
`;
}
