/**
 * Pack text cannot become a link or an image in what VS Code shows. The real
 * server, started as the extension starts it (command links on), serves a
 * team pack whose names, aliases, definitions, related names and exercise
 * titles try links, images, HTML and autolinks
 * (tests/fixtures/hostile/markdown.toml). Its hovers are rendered with
 * `marked`, the Markdown renderer VS Code's hovers use (major version 14,
 * as bundled by VS Code 1.100; GFM on, so bare URLs and e-mail addresses
 * autolink), and the HTML is parsed with parse5: the only `<a>` elements are
 * ours, to `command:llmops.termPage` and `command:llmops.openExercise` with
 * our arguments, and there is no `<img>`. The term page's HTML gets the same
 * check (its links: `llmops.showTerm`, `llmops.openExercise`).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { Marked } from 'marked';
import { parse, parseFragment } from 'parse5';
import { DidOpenTextDocumentNotification, HoverRequest, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { termHtml } from '../src/webview/html';
import type { TermPage } from '../src/webview/protocol';
import { PACKAGE_DIR, startServer, type Server } from './harness';

const FIXTURE = path.resolve(PACKAGE_DIR, '..', '..', 'tests', 'fixtures', 'hostile', 'markdown.toml');
const IDS = ['sso', 'img', 'bs', 'cmd', 'auto'];
const TEXT = 'HOSTSSO HOSTIMG HOSTBS HOSTCMD HOSTAUTO\n';

/** VS Code's hover renderer: marked with GFM (its default) on. */
const marked = new Marked({ gfm: true, async: false });

interface Element {
  tag: string;
  attrs: Record<string, string>;
  text: string;
}

/** Every element of a parse5 tree, with its attributes and text. */
function elements(node: unknown, out: Element[] = []): Element[] {
  const n = node as { tagName?: string; attrs?: { name: string; value: string }[]; childNodes?: unknown[]; content?: unknown };
  if (n.tagName) {
    out.push({ tag: n.tagName, attrs: Object.fromEntries((n.attrs ?? []).map((a) => [a.name, a.value])), text: textOf(n) });
  }
  for (const child of n.childNodes ?? []) elements(child, out);
  if (n.content) elements(n.content, out);
  return out;
}

function textOf(node: unknown): string {
  const n = node as { nodeName?: string; value?: string; childNodes?: unknown[] };
  if (n.nodeName === '#text') return n.value ?? '';
  return (n.childNodes ?? []).map(textOf).join('');
}

/** The JSON arguments of a `command:` URI, or a failure naming it. */
function commandArgs(href: string, commands: string[]): { command: string; args: unknown } {
  const match = /^command:([A-Za-z.]+)\?(.*)$/.exec(href);
  assert.ok(match, `not a command link: ${href}`);
  assert.ok(commands.includes(match[1]!), `a link to ${match[1]}: ${href}`);
  return { command: match[1]!, args: JSON.parse(decodeURIComponent(match[2]!)) };
}

let workspace: string;
let server: Server;
const hovers = new Map<string, string>();

before(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'llmops-markdown-ws-'));
  mkdirSync(path.join(workspace, '.llmops'));
  writeFileSync(path.join(workspace, '.llmops', 'hostile.toml'), readFileSync(FIXTURE));
  server = await startServer({ root: workspace });
  const uri = pathToFileURL(path.join(workspace, 'notes.md')).href;
  const published = server.diagnostics(uri, (d) => d.length === IDS.length);
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'markdown', version: 1, text: TEXT },
  });
  const diagnostics: Diagnostic[] = await published;
  for (const d of diagnostics) {
    const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: d.range.start });
    assert.ok(hover, `a hover at ${JSON.stringify(d.range.start)}`);
    hovers.set(String(d.code), (hover.contents as MarkupContent).value);
  }
});

after(async () => {
  await server?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

test('every hostile term has a hover, with the exercise or question link', () => {
  assert.deepEqual([...hovers.keys()].sort(), [...IDS].sort());
  for (const [id, md] of hovers) assert.match(md, /command:llmops\.openExercise\?/, id);
});

test('hover Markdown rendered by marked has only our links and no image or HTML', () => {
  const known = new Set([...IDS, 'ttft']);
  for (const [id, md] of hovers) {
    const html = marked.parse(md) as string;
    const found = elements(parseFragment(html));
    assert.ok(found.length > 0, `${id}: nothing rendered`);
    const tags = new Set(found.map((e) => e.tag));
    for (const tag of tags) assert.ok(['p', 'strong', 'em', 'a', 'hr', 'br'].includes(tag), `${id}: <${tag}> in\n${html}`);
    const links = found.filter((e) => e.tag === 'a');
    assert.ok(links.length >= 2, `${id}: our links missing in\n${html}`);
    for (const link of links) {
      const { command, args } = commandArgs(link.attrs.href ?? '', ['llmops.termPage', 'llmops.openExercise']);
      assert.ok(Array.isArray(args) && args.length === 1, `${id}: ${link.attrs.href}`);
      const arg = (args as Record<string, string>[])[0]!;
      if (command === 'llmops.termPage') {
        assert.equal(link.text, 'open', `${id}: ${html}`);
        assert.ok(known.has(arg.termId!), `${id}: ${JSON.stringify(arg)}`);
      } else {
        assert.equal(link.text, 'Learn', `${id}: ${html}`);
        assert.ok(arg.exerciseId === 'sso-ex' || known.has(arg.termId!), `${id}: ${JSON.stringify(arg)}`);
      }
    }
    // The names read as written, around our links.
    const text = found.filter((e) => e.tag === 'p').map((e) => e.text).join(' ').replace(/\s+/g, ' ');
    if (id === 'sso') {
      assert.ok(text.includes('Renew your \\[SSO session\\](https://evil.example/login)'), text);
      assert.ok(text.includes('Ends in a backslash\\ (open)'), text);
      assert.ok(text.includes('![x](https://evil.example/p.png) (open)'), text);
      assert.ok(text.includes('mail@evil.example'), text);
    }
  }
});

test('the term page of each hostile term links only to our commands and has no image', async () => {
  for (const id of IDS) {
    const page = (await server.execute('llmops.termPage', [{ termId: id }])) as TermPage;
    const html = termHtml(page, { nonce: 'n0nce', cspSource: 'https://webview.test' });
    const found = elements(parse(html));
    assert.equal(found.filter((e) => ['img', 'script', 'iframe', 'object', 'embed'].includes(e.tag)).length, 0, `${id}: ${html}`);
    for (const link of found.filter((e) => e.tag === 'a')) {
      commandArgs(link.attrs.href ?? '', ['llmops.showTerm', 'llmops.openExercise']);
    }
    assert.equal(found.find((e) => e.tag === 'h1')?.text, page.name, id);
  }
});
