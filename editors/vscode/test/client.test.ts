/**
 * The extension's client logic against the real server: start it the way
 * the extension does, get the TTFT diagnostic, ask for code actions, and run
 * the command flow of the executeCommand middleware and the exercise panel.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  CodeActionRequest,
  HoverRequest,
  type MarkupContent,
  DidOpenTextDocumentNotification,
  DiagnosticSeverity,
  type CodeAction,
  type Command,
  type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import {
  ExerciseSession,
  exerciseArgsAt,
  executeCommandMiddleware,
  dueTerms,
  glossary,
  progressItems,
  statusText,
  statusTooltip,
  type MiddlewareHooks,
} from '../src/flow';
import { HOVER_COMMANDS } from '../src/launch';
import type { AnswerResult, Exercise, ExerciseSummary, Progress, Revealed, TermPage, ToPage } from '../src/webview/protocol';
import { PushDiagnosticsOnly } from '../src/pushDiagnostics';
import { startServer, type Server } from './harness';

const URI = 'file:///tmp/llmops-vscode-test/notes.md';
const TEXT = '# Latency notes\n\nThe dashboard now tracks TTFT next to total latency.\n';
const TTFT_LINE = 2;
const TTFT_COLUMN = TEXT.split('\n')[TTFT_LINE]!.indexOf('TTFT');

let server: Server;
let ttft: Diagnostic;

/** Records what the middleware asked VS Code to do. */
function recordingHooks() {
  const calls = { shown: [] as Exercise[], learningChanged: 0, errors: [] as string[] };
  const hooks: MiddlewareHooks = {
    showExercise: (e) => void calls.shown.push(e),
    learningChanged: () => void calls.learningChanged++,
    showError: (m) => void calls.errors.push(m),
  };
  return { calls, hooks };
}

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

test('the server starts with the extension’s launch and offers the commands the client registers', () => {
  const result = server.initializeResult;
  assert.equal(result.serverInfo?.name, 'llmops-lsp');
  const commands = result.capabilities.executeCommandProvider?.commands ?? [];
  for (const c of ['llmops.openExercise', 'llmops.answerExercise', 'llmops.listExercises', 'llmops.progress', 'llmops.markKnown']) {
    assert.ok(commands.includes(c), `${c} in ${commands.join(', ')}`);
  }
  assert.deepEqual(server.messages, [], 'no settings problems reported for the trusted default settings');
});

test('a Markdown file mentioning TTFT gets a hint diagnostic with the exercise id', async () => {
  const published = server.diagnostics(URI, (d) => d.length > 0);
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri: URI, languageId: 'markdown', version: 1, text: TEXT },
  });
  const diagnostics = await published;
  // Settings are applied before anything is published: no problem was
  // reported later either.
  assert.deepEqual(server.messages, [], 'no settings problems reported for the trusted default settings');
  const found = diagnostics.find((d) => d.code === 'ttft');
  assert.ok(found, `TTFT diagnostic in ${JSON.stringify(diagnostics)}`);
  ttft = found;
  assert.equal(ttft.source, 'llmops');
  assert.equal(ttft.severity, DiagnosticSeverity.Hint);
  assert.deepEqual(ttft.range.start, { line: TTFT_LINE, character: TTFT_COLUMN });
  assert.deepEqual(ttft.data, { termId: 'ttft', exerciseId: 'ttft-1', reviewDue: false });

  // "Open exercise for term under cursor" on these diagnostics:
  assert.deepEqual(exerciseArgsAt(diagnostics, { line: TTFT_LINE, character: TTFT_COLUMN + 2 }), [{ exerciseId: 'ttft-1' }]);
  assert.equal(exerciseArgsAt(diagnostics, { line: 0, character: 3 }), undefined);
});

test('the hover links only to commands the client trusts, and uses both', async () => {
  assert.ok(ttft, 'needs the diagnostic test');
  const hover = await server.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri: URI },
    position: ttft.range.start,
  });
  const markdown = (hover?.contents as MarkupContent | undefined)?.value ?? '';
  const linked = [...markdown.matchAll(/command:([A-Za-z.]+)/g)].map((m) => m[1]);
  assert.ok(linked.length > 0, `no command links in ${markdown}`);
  for (const command of linked) assert.ok(HOVER_COMMANDS.includes(command), `${command} is linked but not trusted`);
  assert.deepEqual([...new Set(linked)].sort(), [...HOVER_COMMANDS].sort(), 'Learn and related terms');
});

test('code actions on the term: Learn (opens the exercise) and I know this term', async () => {
  assert.ok(ttft, 'needs the diagnostic test');
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: URI },
    range: ttft.range,
    context: { diagnostics: [ttft] },
  })) as (CodeAction | Command)[];
  const learn = actions.find((a): a is CodeAction => a.title.startsWith('Learn: Time to first token'));
  assert.ok(learn, `Learn action in ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(learn.kind, 'llmops.learn'); // a learning action, not a fix (README: code action kinds)
  // Ctrl+. then Enter runs Learn: it comes first and is the only preferred
  // action, and nothing is a quick fix (VS Code lists quick fixes first).
  assert.equal(actions[0], learn, `Learn first in ${JSON.stringify(actions.map((a) => a.title))}`);
  assert.equal(learn.isPreferred, true);
  const others = actions.filter((a) => a !== learn) as CodeAction[];
  assert.ok(others.length >= 3, 'known and the two ignore actions');
  for (const action of others) assert.notEqual(action.isPreferred, true, action.title);
  for (const action of actions as CodeAction[]) assert.ok(!action.kind?.startsWith('quickfix'), `${action.title}: ${action.kind}`);
  for (const action of others.filter((a) => a.edit)) assert.equal(action.kind, 'llmops.ignore', action.title);
  assert.match(learn.title, /\(exercise \d+ of \d+\)$/);
  // With the spot it was offered at, which the exercise page starts with.
  assert.deepEqual(learn.command, {
    title: learn.title,
    command: 'llmops.openExercise',
    arguments: [
      {
        exerciseId: 'ttft-1',
        from: {
          uri: URI,
          line: ttft.range.start.line,
          character: ttft.range.start.character,
          path: 'notes.md',
          text: 'The dashboard now tracks TTFT next to total latency.',
        },
      },
    ],
  });
  const know = actions.find((a): a is CodeAction => a.title === 'I know this term: Time to first token');
  assert.deepEqual(know?.command?.arguments, [{ termId: 'ttft' }]);
  assert.equal(know?.command?.command, 'llmops.markKnown');
});

test('choosing the code action: the middleware shows the exercise, then the panel answers it', async () => {
  const { calls, hooks } = recordingHooks();
  const middleware = executeCommandMiddleware(hooks);
  // What VS Code runs when the Learn code action is chosen.
  const from = { uri: URI, line: 2, character: 25, path: 'notes.md', text: 'The dashboard now tracks TTFT next to total latency.' };
  const returned = (await middleware('llmops.openExercise', [{ exerciseId: 'ttft-1', from }], server.execute)) as Exercise;
  assert.equal(calls.shown.length, 1, 'the panel is shown once');
  const exercise = calls.shown[0]!;
  assert.equal(returned, exercise, 'the result still goes back to the caller');
  assert.equal(exercise.id, 'ttft-1');
  assert.equal(exercise.title, 'Why does the chat feel frozen?');
  assert.deepEqual(exercise.origin, from, 'the page starts with the line it came from');
  assert.deepEqual(exercise.choices.map((c) => c.id).sort(), ['a', 'b', 'c', 'd']);
  assert.ok(!('answer' in exercise) && !JSON.stringify(exercise).includes('rightChoice'), 'no answer leaks to the client');
  assert.equal(calls.learningChanged, 0, 'opening changes nothing');

  // The panel: the page's messages become server commands.
  const answered: (AnswerResult | undefined)[] = [];
  const session = new ExerciseSession(server.execute, (r) => void answered.push(r));
  session.current = exercise;
  session.show(exercise);
  const ready = await session.handle({ type: 'ready' });
  assert.equal(ready?.type, 'exercise');
  assert.equal((ready as { exercise: Exercise }).exercise, exercise);
  assert.equal((ready as { seq: number }).seq, 1);

  const wrong = await session.handle({ type: 'answer', exerciseId: 'ttft-1', choice: 'a' });
  assert.equal(wrong?.type, 'result');
  const wrongResult = (wrong as { result: AnswerResult }).result;
  const total = exercise.total;
  assert.equal(wrongResult.correct, false);
  // The course contract: why the chosen choice is wrong, and nothing that gives the answer away.
  assert.equal(wrongResult.rightChoice, undefined);
  assert.deepEqual(Object.keys(wrongResult.why ?? {}), ['a']);
  assert.ok((wrongResult.why?.a ?? '').length > 10);
  assert.deepEqual(wrongResult.progress, { completed: 0, total });
  // The page's module line comes from llmops.progress's modules.
  const wrongMessage = wrong as Extract<ToPage, { type: 'result' }>;
  assert.match(wrongMessage.moduleLine ?? '', /^Latency.*: 0 of \d+ exercises done$/);
  assert.equal(wrongMessage.courseLine, `0 of ${total} exercises completed`);

  const right = await session.handle({ type: 'answer', exerciseId: 'ttft-1', choice: 'd' });
  const rightResult = (right as { result: AnswerResult }).result;
  assert.equal(rightResult.correct, true);
  assert.equal(rightResult.rightChoice, 'd');
  assert.deepEqual(Object.keys(rightResult.why ?? {}).sort(), ['a', 'b', 'c', 'd']);
  assert.ok((rightResult.explanation ?? '').length > 20);
  assert.deepEqual(rightResult.progress, { completed: 1, total });
  assert.match((right as Extract<ToPage, { type: 'result' }>).moduleLine ?? '', /^Latency.*: 1 of \d+ exercises done$/);
  assert.equal(answered.length, 2, 'the status bar is refreshed after each answer');

  // The status bar and the progress view after the answers.
  const progress = (await server.execute('llmops.progress', [])) as Progress;
  assert.equal(statusText(progress), `$(mortar-board) LLMOps 1/${total}`);
  assert.match(statusTooltip(progress), new RegExp(`^1 of ${total} exercises completed · 0 terms known · 0 terms due for review\\.`));
  const list = (await server.execute('llmops.listExercises', [])) as ExerciseSummary[];
  const row = progressItems(list).find((i) => i.exerciseId === 'ttft-1');
  assert.deepEqual(row && [row.label, row.detail], ['$(pass-filled) Why does the chat feel frozen?', 'completed · 2 attempts']);
  assert.equal(list.length, total);

  // The glossary view: the server's modules in course order, each with its
  // terms and their exercises; TTFT is being learned, in the latency module.
  const modules = glossary(list, progress);
  assert.deepEqual(modules.map((m) => m.id), (progress.modules ?? []).map((m) => m.id));
  assert.ok(modules.length >= 10, `modules: ${modules.map((m) => m.name).join(', ')}`);
  const latency = modules.find((m) => m.terms.some((t) => t.id === 'ttft'));
  assert.match(latency?.name ?? '', /^Latency/);
  assert.equal(latency?.completed, 1);
  const ttftTerm = latency?.terms.find((t) => t.id === 'ttft');
  assert.equal(ttftTerm?.state, 'learning');
  assert.ok(ttftTerm?.exercises.some((e) => e.id === 'ttft-1' && e.completed));
  assert.equal(modules.reduce((n, m) => n + m.terms.reduce((k, t) => k + t.exercises.length, 0), 0), total, 'every exercise once');

  // The Next link.
  assert.ok(rightResult.nextExerciseId, 'a next exercise is offered');
  const next = await session.handle({ type: 'next', exerciseId: rightResult.nextExerciseId });
  assert.equal(next?.type, 'exercise');
  assert.equal((next as { exercise: Exercise }).exercise.id, rightResult.nextExerciseId);
  assert.equal(session.current?.id, rightResult.nextExerciseId);

  // Progress is stored where LLMOPS_LSP_DATA_DIR points.
  const stored = path.join(server.dataDir, 'progress.json');
  assert.ok(existsSync(stored), `${stored} written`);
  assert.match(readFileSync(stored, 'utf8'), /ttft-1/);
});

test('a failing command is reported to the user, not thrown into VS Code', async () => {
  const { calls, hooks } = recordingHooks();
  const result = await executeCommandMiddleware(hooks)('llmops.openExercise', [{ exerciseId: 'no-such-exercise' }], server.execute);
  assert.equal(result, undefined);
  assert.deepEqual(calls.shown, []);
  assert.equal(calls.errors.length, 1);
  assert.match(calls.errors[0]!, /unknown exercise id `no-such-exercise`/);

  const session = new ExerciseSession(server.execute);
  const reply = await session.handle({ type: 'answer', exerciseId: 'no-such-exercise', choice: 'a' });
  assert.equal(reply?.type, 'error');
});

test('“I know this term” goes through the middleware and refreshes the status bar', async () => {
  const { calls, hooks } = recordingHooks();
  const republished = server.diagnostics(URI, (d) => !d.some((x) => x.code === 'ttft'));
  const standing = await executeCommandMiddleware(hooks)('llmops.markKnown', [{ termId: 'ttft' }], server.execute);
  assert.equal(calls.learningChanged, 1);
  assert.equal((standing as Progress).known, 1);
  // A known term is no longer marked in the open document.
  await republished;
});

test('“Show the answer” after a wrong answer: llmops.revealAnswer gives the right choice, every why and the explanation', async () => {
  const changed: (AnswerResult | undefined)[] = [];
  const session = new ExerciseSession(server.execute, (r) => void changed.push(r));
  session.show((await server.execute('llmops.openExercise', [{ exerciseId: 'prompt-ab-test-1' }])) as Exercise);
  const wrong = await session.handle({ type: 'answer', exerciseId: 'prompt-ab-test-1', choice: 'a' });
  assert.equal((wrong as { result: AnswerResult }).result.correct, false);
  const reply = await session.handle({ type: 'reveal', exerciseId: 'prompt-ab-test-1' });
  assert.equal(reply?.type, 'revealed');
  const revealed = (reply as { revealed: Revealed }).revealed;
  assert.equal(revealed.rightChoice, 'b');
  assert.deepEqual(Object.keys(revealed.why ?? {}).sort(), ['a', 'b', 'c', 'd']);
  assert.ok((revealed.explanation ?? '').length > 20);
  const list = (await server.execute('llmops.listExercises', [])) as ExerciseSummary[];
  assert.equal(list.find((e) => e.id === 'prompt-ab-test-1')?.completed, false, 'revealed is not solved');
  assert.equal(changed.length, 2, 'the status bar and glossary are refreshed after the answer and the reveal');
});

test('a related term’s page: llmops.termPage through the middleware opens the term page', async () => {
  const { calls, hooks } = recordingHooks();
  const pages: TermPage[] = [];
  const middleware = executeCommandMiddleware({ ...hooks, showTermPage: (p) => void pages.push(p) });
  const result = (await middleware('llmops.termPage', [{ termId: 'tpot' }], server.execute)) as TermPage;
  assert.deepEqual(calls.errors, []);
  assert.equal(pages.length, 1);
  assert.equal(pages[0], result);
  assert.equal(result.id, 'tpot');
  assert.match(result.name, /time per output token/i);
  assert.ok(result.definition.length > 20);
});

test('“Review due terms”: a term answered today is due weeks later', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'llmops-vscode-due-'));
  const day = 86_400;
  const today = Math.floor(Date.now() / 1000);
  try {
    const first = await startServer({ dataDir, env: { LLMOPS_LSP_NOW: String(today) } });
    await first.execute('llmops.answerExercise', [{ exerciseId: 'ttft-1', choice: 'd' }]);
    const now = (await first.execute('llmops.progress', [])) as Progress;
    assert.equal(now.due, 0);
    assert.deepEqual(dueTerms(now, (await first.execute('llmops.listExercises', [])) as ExerciseSummary[]), []);
    await first.stop();

    const later = await startServer({ dataDir, env: { LLMOPS_LSP_NOW: String(today + 60 * day) } });
    const progress = (await later.execute('llmops.progress', [])) as Progress;
    const list = (await later.execute('llmops.listExercises', [])) as ExerciseSummary[];
    assert.equal(progress.due, 1);
    assert.deepEqual(dueTerms(progress, list), [{ termId: 'ttft', name: 'Time to first token' }]);
    assert.equal(statusText(progress).endsWith(' · 1 due'), true);
    assert.match(statusTooltip(progress), /1 term due for review/);
    await later.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the client declares no diagnostic pull, so the server pushes hints (pulled ones lag behind known terms and answers)', async () => {
  // What vscode-languageclient's own diagnostic feature declares.
  const declared = { textDocument: { diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false }, hover: {} } };
  const pulling = await startServer({ capabilities: declared });
  try {
    assert.ok(pulling.initializeResult.capabilities.diagnosticProvider, 'a client that declares pull is offered it');
  } finally {
    await pulling.stop();
  }
  const capabilities = structuredClone(declared);
  new PushDiagnosticsOnly().fillClientCapabilities(capabilities);
  assert.ok(capabilities.textDocument.hover, 'other capabilities stay');
  const pushed = await startServer({ capabilities });
  try {
    assert.equal(pushed.initializeResult.capabilities.diagnosticProvider, undefined);
    const uri = 'file:///tmp/llmops-vscode-test/pushed.md';
    const diagnostics = pushed.diagnostics(uri, (d) => d.length > 0);
    await pushed.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'markdown', version: 1, text: TEXT },
    });
    assert.ok((await diagnostics).some((d) => String(d.message).startsWith('Time to first token')));
  } finally {
    await pushed.stop();
  }
});
