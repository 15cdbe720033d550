/** The pure parts of the extension: server lookup, settings, cursor lookup, status and page skeleton. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { exerciseArgsAt, progressItems, statusText, type DiagnosticLike } from '../src/flow';
import { BUNDLED_SERVER, initializationOptions, resolveServerPath, ServerNotFoundError } from '../src/launch';
import { exerciseHtml, makeNonce } from '../src/webview/html';

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
  assert.deepEqual(initializationOptions(settings, true), { llmops: settings });
  assert.deepEqual(initializationOptions(settings, false), { llmops: { ...settings, workspacePacks: false } });
  assert.deepEqual(initializationOptions(undefined, false), { llmops: { workspacePacks: false } });
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
  assert.equal(statusText({ completed: 2, total: 5, known: 0, due: 0, terms: {} }), 'LLMOps 2/5');
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
