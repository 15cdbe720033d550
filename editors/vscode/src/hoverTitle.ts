/**
 * Keeps a term's name from showing twice in one VS Code hover.
 *
 * Why: VS Code prints the message of every diagnostic under the mouse above
 * the hovers of the providers. On a hinted term that message already names
 * the term ("Time to first token (LLMOps term)", "Review due: …"), and the
 * server's hover starts with the same name in bold. Other clients (Neovim,
 * Helix, terminals) show diagnostics in a float of their own, so the server
 * keeps the title for them; only this shim knows the two are stacked, and it
 * knows it exactly: the diagnostics it holds for the document.
 *
 * The title is the hover's first paragraph: `**Name**`, optionally followed
 * by ` · also: …`. The name is dropped only when one of our diagnostics at
 * the hovered position carries it; the aliases stay ("Also: TTFT"). Anything
 * that does not have this shape is left as it is.
 */
export function withoutRepeatedTitle(markdown: string, messagesHere: readonly string[]): string {
  if (!markdown.startsWith('**')) return markdown;
  const paragraphEnd = markdown.indexOf('\n\n');
  const title = paragraphEnd < 0 ? markdown : markdown.slice(0, paragraphEnd);
  const close = closingBold(title);
  if (close < 0) return markdown;
  const name = unescapeMarkdown(title.slice(2, close)).replace(/\s+/g, ' ');
  if (!name || !messagesHere.some((message) => message.includes(name))) return markdown;
  const rest = title.slice(close + 2).replace(/^\s*·\s*/, '').trim();
  const shownRest = rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : '';
  const after = paragraphEnd < 0 ? '' : markdown.slice(paragraphEnd + 2);
  if (!shownRest) return after;
  return after ? `${shownRest}\n\n${after}` : shownRest;
}

/** Where the bold title closes: the first `**` after the opening one that no backslash escapes. */
function closingBold(title: string): number {
  for (let i = 2; i + 1 < title.length; i++) {
    if (title[i] === '\\') {
      i++;
      continue;
    }
    if (title[i] === '*' && title[i + 1] === '*') return i;
  }
  return -1;
}

/** The text a Markdown backslash escape stands for (the server escapes pack text this way). */
function unescapeMarkdown(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
