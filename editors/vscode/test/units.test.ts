/** The pure parts of the extension: server lookup, settings, cursor lookup, status and page skeleton. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import {
  dueTerms,
  exerciseArgsAt,
  glossary,
  HINT_DECORATION,
  hintRanges,
  moduleSummary,
  newTermIn,
  nextOpenExercise,
  progressTitle,
  moduleLine,
  plural,
  progressItems,
  statusMenu,
  statusText,
  statusTooltip,
  type DiagnosticLike,
  UnsavedChanges,
} from '../src/flow';
import type { ExerciseSummary, Progress } from '../src/webview/protocol';
import { BUNDLED_SERVER, DOCUMENT_SELECTOR, HOVER_COMMANDS, initializationOptions, resolveServerPath, ServerNotFoundError } from '../src/launch';
import { commandUri, exerciseHtml, makeNonce, termHtml } from '../src/webview/html';
import { withoutRepeatedTitle } from '../src/hoverTitle';
import { PACKAGE_DIR } from './harness';

const ext = '/ext';
const bundled = path.join(ext, BUNDLED_SERVER);

test('server path: configured, then bundled, then PATH', () => {
  const only = (...files: string[]) => (f: string) => files.includes(f);
  const env = { PATH: ['/a', '/b'].join(path.delimiter) };
  assert.equal(resolveServerPath({ configured: '/x/llmops-lsp', extensionPath: ext, env, isExecutable: only('/x/llmops-lsp', bundled) }), '/x/llmops-lsp');
  assert.equal(resolveServerPath({ configured: '  ', extensionPath: ext, env, isExecutable: only(bundled, '/b/llmops-lsp') }), bundled);
  assert.equal(resolveServerPath({ configured: '', extensionPath: ext, env, isExecutable: only('/b/llmops-lsp') }), '/b/llmops-lsp');
});

test('server path: a wrong setting is reported, not silently replaced', () => {
  assert.throws(
    () => resolveServerPath({ configured: '/typo', extensionPath: ext, env: {}, isExecutable: (f) => f === bundled }),
    (e: unknown) => e instanceof ServerNotFoundError && /llmops\.server\.path/.test(e.message) && /"\/typo"/.test(e.message) && /Fix:/.test(e.message),
  );
});

test('server path: nothing found says in one message how to install it', () => {
  assert.throws(
    () => resolveServerPath({ configured: undefined, extensionPath: ext, env: { PATH: '/nowhere' }, isExecutable: () => false }),
    (e: unknown) =>
      e instanceof ServerNotFoundError &&
      e.message.includes('pipx install llmops-lsp') &&
      e.message.includes('llmops.server.path') &&
      e.message.includes('PATH') &&
      !e.message.includes('\n'),
  );
});

test('initializationOptions: untrusted workspaces get workspacePacks: false', () => {
  const settings = { severity: 'warning', exclude: ['**/*.lock'] };
  const client = { commandLinks: true };
  assert.deepEqual(initializationOptions(settings, true), { llmops: settings, client });
  assert.deepEqual(initializationOptions(settings, false), { llmops: { ...settings, workspacePacks: false }, client });
  assert.deepEqual(initializationOptions(undefined, false), { llmops: { workspacePacks: false }, client });
  assert.deepEqual(settings, { severity: 'warning', exclude: ['**/*.lock'] }, 'the caller’s object is not modified');
});

test('exercise under the cursor: exerciseId, else the term, only inside llmops diagnostics', () => {
  const range = { start: { line: 2, character: 4 }, end: { line: 2, character: 8 } };
  const diags: DiagnosticLike[] = [
    { range, source: 'other', code: 'x', data: { exerciseId: 'wrong' } },
    { range, source: 'llmops', code: 'ttft', data: { termId: 'ttft', exerciseId: 'ttft-1' } },
  ];
  assert.deepEqual(exerciseArgsAt(diags, { line: 2, character: 4 }), [{ exerciseId: 'ttft-1' }]);
  assert.deepEqual(exerciseArgsAt(diags, { line: 2, character: 8 }), [{ exerciseId: 'ttft-1' }], 'just after the word');
  assert.equal(exerciseArgsAt(diags, { line: 2, character: 9 }), undefined);
  assert.equal(exerciseArgsAt(diags, { line: 1, character: 5 }), undefined);
  const noExercise: DiagnosticLike[] = [{ range, source: 'llmops', code: { value: 'tpot' }, data: { exerciseId: null } }];
  assert.deepEqual(exerciseArgsAt(noExercise, { line: 2, character: 5 }), [{ termId: 'tpot' }]);
});

test('status bar and progress list', () => {
  assert.equal(statusText({ completed: 2, total: 5, known: 0, due: 0, terms: {} }), '$(mortar-board) LLMOps 2/5');
  assert.equal(statusText({ completed: 2, total: 5, known: 1, due: 3, terms: {} }), '$(mortar-board) LLMOps 2/5 · 3 due');
  assert.equal(
    statusTooltip({ completed: 1, total: 1, known: 1, due: 0, terms: {} }),
    '1 of 1 exercise completed · 1 term known · 0 terms due for review. Click for the LLMOps menu.',
  );
  assert.equal(
    statusTooltip({ completed: 0, total: 2, known: 2, due: 1, terms: {} }),
    '0 of 2 exercises completed · 2 terms known · 1 term due for review. Click for the LLMOps menu.',
  );
  assert.equal(plural(1, 'try', 'tries'), '1 try');
  assert.equal(plural(0, 'try', 'tries'), '0 tries');
  const items = progressItems([
    { id: 'a-1', title: 'A', term: 'a', termName: 'Term A', completed: true, attempts: 1 },
    { id: 'b-1', title: 'B', term: 'b', termName: 'Term B', completed: false, attempts: 0 },
  ]);
  assert.deepEqual(
    items.map((i) => [i.label, i.description, i.detail, i.exerciseId]),
    [
      ['$(pass-filled) A', 'Term A', 'completed · 1 attempt', 'a-1'],
      ['$(circle-large-outline) B', 'Term B', 'not started', 'b-1'],
    ],
  );
});

test('page skeleton: strict CSP, nonce on script and style, no server text', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(nonce, makeNonce());
  const html = exerciseHtml({ nonce, cspSource: 'https://csp.example', scriptUri: 'https://csp.example/x.js?a=1&b="2"' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
  assert.equal(csp, `default-src 'none'; style-src https://csp.example 'nonce-${nonce}'; script-src 'nonce-${nonce}'`);
  assert.ok(html.includes(`<style nonce="${nonce}">`));
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://csp.example/x.js?a=1&amp;b=&quot;2&quot;"></script>`));
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script element, no inline code');
  assert.ok(!/unsafe-inline|unsafe-eval|https?:\/\/(?!csp\.example)/.test(html), 'no unsafe sources, no remote content');
});

const LIST: ExerciseSummary[] = [
  { id: 'ttft-1', title: 'Frozen chat', term: 'ttft', termName: 'Time to first token', completed: true, attempts: 2, module: 'latency' },
  { id: 'ttft-2', title: 'Reasoning wait', term: 'ttft', termName: 'Time to first token', completed: false, attempts: 0, module: 'latency' },
  { id: 'registry-1', title: 'Why a registry?', term: 'prompt-registry', termName: 'Prompt registry', completed: false, attempts: 1, module: { id: 'prompts', name: 'Prompt management' } },
];
const PROGRESS: Progress = {
  completed: 1,
  total: 3,
  known: 0,
  due: 1,
  terms: { ttft: 'due', 'prompt-registry': 'learning' },
  modules: [
    { id: 'prompts', name: 'Prompt management', completed: 0, total: 1 },
    { id: 'latency', name: 'Latency', completed: 1, total: 2 },
  ],
};

test('glossary: modules in the server’s order with their terms, states and exercises', () => {
  const modules = glossary(LIST, PROGRESS);
  assert.deepEqual(
    modules.map((m) => [m.name, m.completed, m.total, m.terms.map((t) => [t.name, t.state, t.exercises.map((e) => e.id)])]),
    [
      ['Prompt management', 0, 1, [['Prompt registry', 'learning', ['registry-1']]]],
      ['Latency', 1, 2, [['Time to first token', 'due', ['ttft-1', 'ttft-2']]]],
    ],
  );
  // An older server without modules: one group, counted from the list.
  const old = glossary(LIST.map(({ module: _m, ...e }) => e), { ...PROGRESS, modules: undefined, terms: {} });
  assert.deepEqual(old.map((m) => [m.name, m.completed, m.total, m.terms.map((t) => t.state)]), [['All terms', 1, 3, ['new', 'new']]]);
});

test('module line, due terms and the status bar menu', () => {
  assert.equal(moduleLine(PROGRESS, 'latency'), 'Latency: 1 of 2 exercises done');
  assert.equal(moduleLine(PROGRESS, { id: 'prompts' }), 'Prompt management: 0 of 1 exercise done');
  assert.equal(moduleLine(PROGRESS, 'nope'), undefined);
  assert.equal(moduleLine({ ...PROGRESS, modules: undefined }, 'latency'), undefined);
  assert.deepEqual(dueTerms(PROGRESS, LIST), [{ termId: 'ttft', name: 'Time to first token' }]);
  const menu = statusMenu(PROGRESS);
  assert.equal(menu[0]?.command, 'llmops.reviewDue');
  assert.equal(menu[0]?.description, '1 term due');
  assert.equal(statusMenu({ ...PROGRESS, due: 0 })[0]?.description, 'nothing due');
  // Every entry runs a command that exists: ours are declared in package.json.
  const declared = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
  for (const item of menu) {
    if (item.command.startsWith('llmops.') && item.command !== 'llmops.glossary.focus') assert.ok(declared.has(item.command), item.command);
  }
});

const pkg = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));

test('package.json: integer settings, every command registered, walkthrough media and view icon present', () => {
  const props = pkg.contributes.configuration.properties;
  for (const key of ['llmops.maxFileBytes', 'llmops.maxDiagnostics', 'llmops.mastery']) assert.equal(props[key].type, 'integer', key);
  const extension = readFileSync(path.join(PACKAGE_DIR, 'src', 'extension.ts'), 'utf8');
  for (const { command } of pkg.contributes.commands as { command: string }[]) {
    assert.ok(extension.includes(`registerCommand('${command}'`), `${command} is registered`);
  }
  const [walkthrough] = pkg.contributes.walkthroughs;
  assert.deepEqual(walkthrough.steps.map((s: { id: string }) => s.id), ['spot', 'hover', 'exercise', 'progress']);
  for (const step of walkthrough.steps) assert.ok(existsSync(path.join(PACKAGE_DIR, step.media.markdown)), step.media.markdown);
  assert.ok(existsSync(path.join(PACKAGE_DIR, pkg.contributes.viewsContainers.activitybar[0].icon)));
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:llmops.exercise'), 'restored after a reload');
  assert.match(readFileSync(path.join(PACKAGE_DIR, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m, 'media ships in the .vsix');
});

test('term page: server text escaped, links run only our commands, no script', () => {
  const html = termHtml(
    {
      id: 'x"><script>',
      name: 'Probe <b>term</b>',
      definition: 'A <img src=x onerror=alert(1)> & more',
      aliases: ['<i>alias</i>'],
      state: 'due',
      related: [{ id: 'tpot', name: '<em>TPOT</em>', summary: 'pace "after"' }],
      exercises: [{ id: 'e-1', title: 'Exercise <1>', completed: false, attempts: 1 }],
    },
    { nonce: 'N0nce', cspSource: 'https://csp.example' },
    'Latency',
  );
  assert.ok(!/<(b|img|i|em|script)[\s>]/.test(html.replace(/<script\b[^>]*nonce/g, '')), html);
  assert.ok(!html.includes('<script'), 'no script at all');
  assert.ok(html.includes('Probe &lt;b&gt;term&lt;/b&gt;'));
  assert.ok(html.includes('A &lt;img src=x onerror=alert(1)&gt; &amp; more'));
  assert.ok(html.includes(`href="${commandUri('llmops.showTerm', [{ termId: 'tpot' }])}"`));
  assert.ok(html.includes(`href="${commandUri('llmops.openExercise', [{ exerciseId: 'e-1' }])}"`));
  assert.ok(html.includes('Latency · Review due'));
  assert.ok(html.includes('1 try, not solved yet'));
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(hrefs.every((h) => /^command:llmops\.(showTerm|openExercise)\?/.test(h)), hrefs.join(' '));
  assert.match(html, /default-src 'none'; style-src https:\/\/csp\.example 'nonce-N0nce'"/);
});

test('unsaved changes: warned once per new unsaved change, reset when saving works again', () => {
  const unsaved = new UnsavedChanges();
  const notSaved = (changes: number) => ({ correct: true, notSaved: { changes, reason: 'File too large', message: `m${changes}` } });
  assert.equal(unsaved.check({ correct: true }), undefined);
  assert.equal(unsaved.check(notSaved(1)), 'm1');
  assert.equal(unsaved.check(notSaved(1)), undefined, 'the same change is not said twice');
  assert.equal(unsaved.check([{ id: 'x' }]), undefined, 'arrays never carry it');
  assert.equal(unsaved.check(notSaved(2)), 'm2');
  assert.equal(unsaved.check({ total: 3 }), undefined, 'saved again');
  assert.equal(unsaved.check(notSaved(1)), 'm1', 'a new failure is said again');
  assert.equal(unsaved.check({ notSaved: { changes: 'x' } }), undefined, 'malformed: ignored');
  assert.equal(unsaved.check(null), undefined);
});

test('hovers may run exactly two of our commands: open an exercise, show a term', () => {
  assert.deepEqual([...HOVER_COMMANDS].sort(), ['llmops.openExercise', 'llmops.termPage']);
  const extension = readFileSync(path.join(PACKAGE_DIR, 'src', 'extension.ts'), 'utf8');
  // The only trust the client gives hovers is this list.
  assert.match(extension, /isTrusted: \{ enabledCommands: HOVER_COMMANDS \}/);
  assert.equal(extension.match(/isTrusted:/g)?.length, 1, 'hover trust set in one place');
});

test('a hinted term is named once in a VS Code hover: the diagnostic above it already says the name', () => {
  const hover = '**Time to first token** · also: TTFT\n\nExercise: *Streaming* · [Learn](command:x)\n\n---\n\nThe delay before the first token.';
  // The diagnostic's message names the term: the bold name goes, the aliases stay.
  assert.equal(
    withoutRepeatedTitle(hover, ['Time to first token (LLMOps term)']),
    'Also: TTFT\n\nExercise: *Streaming* · [Learn](command:x)\n\n---\n\nThe delay before the first token.',
  );
  assert.equal(withoutRepeatedTitle(hover, ['Review due: Time to first token']).startsWith('Also: TTFT\n\n'), true);
  // No diagnostic here (e.g. the term is known) or one about another term: unchanged.
  assert.equal(withoutRepeatedTitle(hover, []), hover);
  assert.equal(withoutRepeatedTitle(hover, ['Time per output token (LLMOps term)']), hover);
  // A title without aliases disappears whole; escaped pack text is compared unescaped.
  assert.equal(withoutRepeatedTitle('**A\\*B\\* test**\n\nBody', ['A*B* test (LLMOps term)']), 'Body');
  // A title wrapped over two lines is one paragraph.
  assert.equal(withoutRepeatedTitle('**Long name**\n· also: x\n\nBody', ['Long name (LLMOps term)']), 'Also: x\n\nBody');
  // Not our shape: left alone.
  assert.equal(withoutRepeatedTitle('Plain text', ['Plain text']), 'Plain text');
});

const SUMMARY_LIST: ExerciseSummary[] = [
  { id: 'ttft-1', title: 'T1', term: 'ttft', termName: 'Time to first token', completed: true, attempts: 1, module: 'latency' },
  { id: 'ttft-2', title: 'T2', term: 'ttft', termName: 'Time to first token', completed: false, attempts: 0, module: 'latency' },
  { id: 'tpot-1', title: 'P1', term: 'tpot', termName: 'Time per output token', completed: false, attempts: 2, module: 'latency' },
  { id: 'rag-1', title: 'R1', term: 'rag', termName: 'RAG', completed: true, attempts: 1, module: 'retrieval' },
];

test('after a reveal, Next goes to the next open exercise in course order, wrapping; none when all are done', () => {
  assert.equal(nextOpenExercise(SUMMARY_LIST, 'ttft-1'), 'ttft-2');
  assert.equal(nextOpenExercise(SUMMARY_LIST, 'ttft-2'), 'tpot-1');
  assert.equal(nextOpenExercise(SUMMARY_LIST, 'tpot-1'), 'ttft-2', 'wraps past the completed ones');
  assert.equal(nextOpenExercise(SUMMARY_LIST, 'unknown'), 'ttft-2');
  assert.equal(nextOpenExercise(SUMMARY_LIST.map((e) => ({ ...e, completed: true })), 'ttft-1'), null);
  assert.equal(nextOpenExercise([], 'ttft-1'), null);
});

test('nothing due: the first term in the open file the learner has not started', () => {
  const at = (line: number, character: number, code: string, exerciseId?: string): DiagnosticLike => ({
    range: { start: { line, character }, end: { line, character: character + 3 } },
    source: 'llmops',
    code,
    data: exerciseId ? { exerciseId } : undefined,
  });
  const progress: Progress = { completed: 1, total: 4, known: 0, due: 0, terms: { ttft: 'learning' } };
  // Out of order on purpose: the first in the file wins, started terms are skipped.
  const diagnostics = [at(5, 0, 'rag', 'rag-1'), at(1, 4, 'ttft', 'ttft-1'), at(2, 0, 'tpot', 'tpot-1'), { ...at(0, 0, 'other'), source: 'eslint' }];
  assert.deepEqual(newTermIn(diagnostics, progress), { termId: 'tpot', exerciseId: 'tpot-1' });
  assert.deepEqual(newTermIn(diagnostics, { ...progress, terms: { ttft: 'learning', tpot: 'due' } }), { termId: 'rag', exerciseId: 'rag-1' });
  assert.equal(newTermIn(diagnostics, { ...progress, terms: { ttft: 'known', tpot: 'learning', rag: 'learning' } }), undefined);
  assert.deepEqual(newTermIn([at(0, 0, 'ttft')], { ...progress, terms: {} }), { termId: 'ttft', exerciseId: undefined });
});

test('progress opens on a summary: one row per module with its counts', () => {
  const progress: Progress = {
    completed: 2,
    total: 4,
    known: 1,
    due: 1,
    terms: { ttft: 'known', tpot: 'due' },
    modules: [
      { id: 'latency', name: 'Latency', completed: 1, total: 3 },
      { id: 'retrieval', name: 'Retrieval', completed: 1, total: 1 },
    ],
  };
  const rows = moduleSummary(SUMMARY_LIST, progress);
  assert.deepEqual(
    rows.map((r) => [r.label, r.description, r.detail, r.moduleId]),
    [
      ['$(folder) Latency', '1 of 3 exercises done', '2 terms · 1 known · 1 due', 'latency'],
      ['$(pass-filled) Retrieval', '1 of 1 exercise done', '1 term · 0 known', 'retrieval'],
    ],
  );
  assert.equal(progressTitle(progress), 'LLMOps: 2 of 4 exercises done · 1 term known · 1 due');
});

test('the hint decoration: a dotted underline in a colour of its own for light and for dark themes', () => {
  for (const kind of ['light', 'dark'] as const) assert.match(HINT_DECORATION[kind].textDecoration, /^underline dotted 2px rgb\(\d+, \d+, \d+\)$/);
  assert.notEqual(HINT_DECORATION.light.textDecoration, HINT_DECORATION.dark.textDecoration);
});

test('the hint decoration underlines exactly the llmops diagnostics’ full ranges', () => {
  const range = (a: number, b: number) => ({ start: { line: 0, character: a }, end: { line: 0, character: b } });
  assert.deepEqual(
    hintRanges([
      { source: 'llmops', range: range(4, 8) },
      { source: 'eslint', range: range(0, 2) },
      { range: range(9, 9) },
      { source: 'llmops', range: range(10, 30) },
    ]),
    [range(4, 8), range(10, 30)],
  );
});

test('notebook cells and the read-only sample get hints; the walkthrough title fits; a key opens the exercise under the cursor', () => {
  const schemes = DOCUMENT_SELECTOR.map((s) => s.scheme);
  assert.deepEqual(schemes, ['file', 'untitled', 'vscode-notebook-cell', 'llmops-sample']);
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
  const [walkthrough] = pkg.contributes.walkthroughs;
  // The Welcome page cut "Learn LLMOps vocabulary in your editor" at 22 characters.
  assert.ok(walkthrough.title.length <= 20, walkthrough.title);
  const binding = pkg.contributes.keybindings.find((k: { command: string }) => k.command === 'llmops.openExerciseUnderCursor');
  assert.deepEqual(binding, { command: 'llmops.openExerciseUnderCursor', key: 'ctrl+alt+e', mac: 'cmd+alt+e', when: 'editorTextFocus' });
});

test('term page: Back, when there is somewhere to go back to, runs llmops.termBack', () => {
  const page = { id: 'ttft', name: 'TTFT', definition: 'd' };
  const options = { nonce: 'n', cspSource: 's' };
  assert.doesNotMatch(termHtml(page, options), /termBack/);
  const html = termHtml(page, { ...options, back: 'Back to the exercise' });
  assert.match(html, /<a id="back" href="command:llmops\.termBack\?%5B%5D">← Back to the exercise<\/a>/);
});
