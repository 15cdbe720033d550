/**
 * Snippet highlighting for the exercise page, bundled into its script:
 * highlight.js's core with the languages exercises use, no network, no
 * theme file (the page's own style colours the `hljs-*` classes).
 *
 * highlight.js returns HTML; the page never parses server text as HTML, so
 * its output is parsed into an inert document (DOMParser runs no script and
 * loads nothing) and rebuilt from text nodes and `<span class="hljs-…">`
 * only: whatever the code holds ends up as text.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import ini from 'highlight.js/lib/languages/ini';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';

hljs.registerLanguage('python', python);
hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('yaml', yaml);
hljs.registerLanguage('json', json);
hljs.registerLanguage('bash', bash);
// `toml` is one of ini's aliases.
hljs.registerLanguage('ini', ini);
hljs.registerLanguage('sql', sql);
hljs.registerLanguage('plaintext', plaintext);

/** Snippet languages named otherwise in highlight.js. */
const ALIASES: Record<string, string> = { sh: 'bash', shell: 'bash', console: 'bash', log: 'plaintext', text: 'plaintext' };

/** The highlight.js language for a snippet's `language`, if bundled. */
export function languageOf(language: string): string | undefined {
  const name = String(language ?? '').toLowerCase();
  const wanted = ALIASES[name] ?? name;
  return hljs.getLanguage(wanted) ? wanted : undefined;
}

/** Only these survive from highlight.js's output: its token spans. */
function tokenClass(node: Element): string {
  return Array.from(node.classList)
    .filter((c) => /^hljs-[a-z_-]+$/.test(c) || /^[a-z_]+_$/.test(c))
    .join(' ');
}

function rebuild(from: Node, into: Node): void {
  for (const child of Array.from(from.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.appendChild(document.createTextNode(child.textContent ?? ''));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const span = document.createElement('span');
      const classes = tokenClass(child as Element);
      if (classes) span.className = classes;
      rebuild(child, span);
      into.appendChild(span);
    }
  }
}

/**
 * Fills `target` with `code`, highlighted as `language` when it is bundled,
 * else as plain text. Returns the highlight.js language used, if any.
 */
export function highlightInto(target: HTMLElement, code: string, language: string): string | undefined {
  target.replaceChildren();
  const lang = languageOf(language);
  if (!lang || lang === 'plaintext') {
    target.textContent = code;
    return lang;
  }
  const html = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  const parsed = new DOMParser().parseFromString(`<!DOCTYPE html><pre>${html}</pre>`, 'text/html');
  const pre = parsed.querySelector('pre');
  if (pre) rebuild(pre, target);
  else target.textContent = code;
  return lang;
}
