/**
 * The exercise webview in a real browser (Debian's Chromium driven by
 * playwright-core), fed by the real server: the page is the real generator's
 * HTML with the real bundled script, `acquireVsCodeApi` is a stub that hands
 * the page's messages to the same `ExerciseSession` the extension uses, and
 * its replies go back into the page the way VS Code delivers them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ExerciseSession } from '../src/flow';
import { exerciseHtml, makeNonce } from '../src/webview/html';
import type { AnswerResult, Exercise, FromPage, Origin, Revealed, ToPage } from '../src/webview/protocol';
import { PACKAGE_DIR, startServer, type Server } from './harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ORIGIN = 'https://webview.test';
const SCRIPT = path.join(PACKAGE_DIR, 'dist', 'webview', 'exercise.js');
const SCREENSHOT = path.resolve(process.env.LLMOPS_ARTIFACTS_DIR ?? path.join(PACKAGE_DIR, '..', '..', 'artifacts'), 'vscode-webview.png');

/** A team pack whose every text tries to inject markup. */
const HOSTILE_PACK = `
[[term]]
id = "xss-probe"
name = "Probe <b>term</b>"
aliases = ["xssprobe"]
definition = "A term <img src=x onerror=\\"window.__pwned=1\\"> from a hostile pack."
exercise = "xss-probe-1"

[[exercise]]
id = "xss-probe-1"
term = "xss-probe"
title = "<img src=x onerror=\\"window.__pwned=1\\">Hostile title"
scenario = "<script>window.__pwned=2</script>Scenario"
question = "Which <em>one</em>? [open](https://evil.example/q) ![i](https://evil.example/i.png) <https://evil.example/a> https://evil.example/bare mail@evil.example"
choices = ["<img src=x onerror=\\"window.__pwned=3\\">", "<b>bold</b>", "plain", "&amp; entity"]
answer = 2
explanation = "<iframe src=\\"https://example.invalid\\"></iframe>"
vocabulary = ["xss-probe"]
`;

/** A team pack with an exercise built on a snippet (and markup in its code, which must stay text). */
const SNIPPET_PACK = `
[[term]]
id = "acme-timer"
name = "Acme timer"
definition = "Our wrapper that times model calls."

[[exercise]]
id = "acme-timer-1"
term = "acme-timer"
title = "Where does the clock start?"
scenario = "The assistant reports its latency with this handler."
question = "What does \\"latency_ms\\" measure here?"
choices = ["The whole call, streaming included", "Only the queue wait", "The first token's wait", "Nothing: the clock never starts"]
answer = 0
why = ["It starts before the call and stops after the stream ends.", "No queue is timed.", "The first chunk is not timed apart.", "It starts on the first line."]
explanation = "Both timestamps enclose the call and the loop over the stream."
vocabulary = ["acme-timer"]

[exercise.snippet]
language = "python"
caption = "app/assistant.py"
code = '''
import time

def handle(client, prompt):
    start = time.monotonic()  # <b>not bold</b>
    stream = client.chat(prompt, stream=True)
    text = "".join(chunk.text for chunk in stream)
    latency_ms = (time.monotonic() - start) * 1000
    return text, latency_ms'''
`;

/** A dark theme's worth of the variables VS Code sets on the webview's <html>. */
const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-testing-iconPassed': '#73c991',
  '--vscode-testing-iconFailed': '#f14c4c',
  '--vscode-textCodeBlock-background': '#2b2b2b',
  '--vscode-editor-font-family': "'DejaVu Sans Mono', monospace",
};

let workspace: string;
let server: Server;
let browser: Browser;
let page: Page;
/** What the page posted, in order. */
const fromPage: FromPage[] = [];
let session: ExerciseSession;
/** The spots the page asked to go back to (what the panel opens in the editor). */
const openedOrigins: Origin[] = [];
/** Replies in flight, so a test can wait until the page has been answered. */
let pending: Promise<unknown> = Promise.resolve();
/** What the extension answered, in order. */
const fromPageReplies: ToPage[] = [];

async function toPage(message: ToPage): Promise<void> {
  // What VS Code does with webview.postMessage: a `message` event on the page's window.
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} missing: run \`node esbuild.mjs\` first.`);
  workspace = mkdtempSync(path.join(tmpdir(), 'llmops-webview-ws-'));
  mkdirSync(path.join(workspace, '.llmops'));
  writeFileSync(path.join(workspace, '.llmops', 'hostile.toml'), HOSTILE_PACK);
  writeFileSync(path.join(workspace, '.llmops', 'snippet.toml'), SNIPPET_PACK);
  server = await startServer({ root: workspace });
  session = new ExerciseSession(server.execute, () => {}, (origin) => openedOrigins.push(origin));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  page = await browser.newPage({ viewport: { width: 700, height: 900 } });
  // Nothing leaves the machine: the page and its script are served from memory, anything else fails.
  const html = exerciseHtml({ nonce: makeNonce(), cspSource: ORIGIN, scriptUri: `${ORIGIN}/exercise.js` });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/index.html`) return route.fulfill({ contentType: 'text/html', body: html });
    if (url === `${ORIGIN}/exercise.js`) return route.fulfill({ contentType: 'text/javascript', body: readFileSync(SCRIPT) });
    return route.abort();
  });
  await page.exposeFunction('__toExtension', (message: FromPage) => {
    fromPage.push(message);
    const reply = session.handle(message).then((r) => {
      if (!r) return undefined;
      fromPageReplies.push(r);
      return toPage(r);
    });
    pending = pending.then(() => reply);
    return reply;
  });
  // The stub VS Code injects as acquireVsCodeApi, in place before the page's script runs.
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    // VS Code keeps a webview's state while the page itself is thrown away
    // (hidden tab) or rebuilt (window reload): sessionStorage survives a reload the same way.
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (w.__toExtension as (m: unknown) => unknown)(m),
      getState: () => {
        const saved = sessionStorage.getItem('vscode-state');
        return saved === null ? undefined : JSON.parse(saved);
      },
      setState: (s: unknown) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
    });
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** Polls a condition on the test's side (messages arrive asynchronously from the page). */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out; messages from the page: ${JSON.stringify(fromPage)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const text = (selector: string) => page.locator(selector).innerText();

/** The choice button with this id (choices may be shuffled, so never by position). */
const choice = (id: string) => page.locator(`button.choice[data-choice="${id}"]`);
/** Its number on screen, 1-based. */
const numberOf = async (id: string) => (await page.locator('button.choice').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.choice))).indexOf(id) + 1;

test('wrong answers show only why the chosen choice is wrong, retries work by mouse and keys, the right one shows everything', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // The extension's panel.show(exercise) after the middleware got it from llmops.openExercise.
  const exercise = (await server.execute('llmops.openExercise', [{ exerciseId: 'ttft-1' }])) as Exercise;
  session.show(exercise);
  await page.goto(`${ORIGIN}/index.html`);
  await page.evaluate((vars) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  }, DARK_THEME);

  // The page asks for the exercise once its script runs.
  await page.locator('#title').filter({ hasText: exercise.title }).waitFor();
  assert.deepEqual(fromPage[0], { type: 'ready' });
  assert.equal(await text('#title'), 'Why does the chat feel frozen?');
  assert.equal(await text('#scenario'), exercise.scenario);
  assert.equal(await text('#question'), exercise.question);
  const total = exercise.total;
  // Before the first answer nothing names the term or shows its definition.
  assert.equal(await text('#meta'), `Exercise ${exercise.number} of ${total}`);
  assert.equal(await page.locator('#vocabulary-box').isHidden(), true, 'no vocabulary before the first answer');
  assert.equal(await page.locator('#vocabulary dt').count(), 0);
  assert.equal('vocabulary' in exercise, false, 'the server does not send it with the exercise');
  const choices = page.locator('button.choice');
  assert.equal(await choices.count(), 4);
  assert.deepEqual(await choices.locator('.text').allInnerTexts(), exercise.choices.map((c) => c.text));
  assert.equal(await page.locator('#result').isHidden(), true);
  assert.equal(await page.locator('#hint').isVisible(), true, '"Press 1–4" before answering');

  // Wrong, by mouse.
  await choice('a').click();
  await page.locator('#verdict').filter({ hasText: 'Not quite' }).waitFor();
  await pending;
  const wrongResult = (fromPageReplies.at(-1) as { result: AnswerResult }).result;
  assert.deepEqual(fromPage.at(-1), { type: 'answer', exerciseId: 'ttft-1', choice: 'a' });
  assert.equal(await text('#verdict'), `Not quite: choice ${await numberOf('a')} is not it.`);
  // Why the chosen choice is wrong, as the server said; never the right answer.
  assert.ok((wrongResult.why?.a ?? '').length > 10, 'the server says why');
  assert.equal(await page.locator('#reason').textContent(), wrongResult.why?.a);
  // The first try brings the term's name and the vocabulary, the term first.
  assert.equal(await text('#meta'), `Exercise ${exercise.number} of ${total} · Time to first token`);
  assert.equal(await page.locator('#vocabulary-box').isVisible(), true);
  const vocabulary = wrongResult.vocabulary ?? [];
  assert.ok(vocabulary.some((v) => v.id === 'ttft'), JSON.stringify(vocabulary));
  assert.deepEqual(await page.locator('#vocabulary dt').allTextContents(), vocabulary.map((v) => v.name));
  assert.deepEqual(await page.locator('#vocabulary dd').allTextContents(), vocabulary.map((v) => v.definition));
  assert.equal(await page.locator('button.choice.right').count(), 0, 'the right choice is not marked');
  assert.doesNotMatch(await text('#result'), /right answer|The answer is/);
  assert.equal(await page.locator('#explanation').isHidden(), true, 'no explanation before it is solved');
  assert.equal(await page.locator('#hint').isHidden(), true, 'the "Press 1–4" line goes after answering');
  assert.equal(await page.locator('#retry').isVisible(), true);
  assert.match(await text('#retry'), /try again/);
  assert.equal(await choice('a').isDisabled(), true, 'a choice known to be wrong cannot be picked again');
  assert.match((await choice('a').getAttribute('class')) ?? '', /\bwrong\b/);

  // The verdict is on screen without scrolling (a panel of 700×900, the
  // exercise column at 1400×900).
  const box = await page.locator('#verdict').boundingBox();
  assert.ok(box && box.y + box.height <= 900, `verdict at ${JSON.stringify(box)} is above the fold`);

  // Wrong again, by keyboard: the digit focuses the choice, Enter answers it.
  await page.keyboard.press(String(await numberOf('b')));
  assert.equal(await choice('b').getAttribute('aria-pressed'), 'true');
  assert.equal(await choice('b').evaluate((b) => b === document.activeElement), true);
  await page.keyboard.press('Enter');
  await until(() => fromPage.length === 3);
  await pending;
  assert.deepEqual(fromPage.at(-1), { type: 'answer', exerciseId: 'ttft-1', choice: 'b' });
  await page.locator('#verdict').filter({ hasText: `choice ${await numberOf('b')} is not it` }).waitFor();
  // The disabled choice ignores its key.
  await page.keyboard.press(String(await numberOf('a')));
  await page.keyboard.press('Enter');

  // Right, by mouse: progress goes from 0 to 1 on the real server.
  await choice('d').click();
  await page.locator('#verdict').filter({ hasText: 'Correct' }).waitFor();
  await pending;
  // The sync point for the disabled key: the page's messages arrive in
  // order, and the one after the two wrong answers is the click on d.
  assert.equal(fromPage.length, 4, `no answer sent for a choice already answered wrong: ${JSON.stringify(fromPage)}`);
  const rightResult = (fromPageReplies.at(-1) as { result: AnswerResult }).result;
  assert.deepEqual(fromPage.at(-1), { type: 'answer', exerciseId: 'ttft-1', choice: 'd' });
  assert.equal(await text('#verdict'), 'Correct, on try 3.');
  assert.equal(await text('#progress'), `1 of ${total} exercises completed`);
  assert.match((await choice('d').getAttribute('class')) ?? '', /\bright\b/);
  // The whole picture: why for every choice the server explained, and the explanation, folded when long.
  assert.deepEqual(Object.keys(rightResult.why ?? {}).sort(), ['a', 'b', 'c', 'd']);
  assert.equal(await page.locator('li:has(button[data-choice="d"]) .why').count(), 0, 'the right one’s why heads the verdict');
  for (const [id, why] of Object.entries(rightResult.why ?? {})) {
    if (id === 'd') assert.equal(await page.locator('#reason').textContent(), why);
    else assert.equal(await page.locator(`li:has(button[data-choice="${id}"]) .why`).textContent(), why);
  }
  const next = page.locator('#next');
  assert.equal(await next.isVisible(), true);
  assert.equal(await next.innerText(), 'Next exercise →');
  assert.equal(await next.evaluate((b) => b === document.activeElement), true, 'Enter now goes on');
  const explanation = rightResult.explanation ?? '';
  assert.ok(explanation.length > 280, 'ttft-1 has a long explanation');
  const lead = await page.locator('#explanation-text').textContent();
  assert.ok(lead && lead.length <= 400 && explanation.startsWith(lead), `lead: ${lead}`);
  assert.equal(await page.locator('#explanation-more').getAttribute('open'), null, 'the rest is folded');
  assert.equal(await page.locator('#explanation-rest').isVisible(), false);
  await page.locator('#explanation-more summary').click();
  assert.equal(await page.locator('#explanation-rest').isVisible(), true);
  assert.equal(`${lead} ${await page.locator('#explanation-rest').textContent()}`, explanation);
  assert.equal(await choices.evaluateAll((bs) => bs.every((b) => (b as HTMLButtonElement).disabled)), true, 'nothing to pick once solved');
  const standing = (await server.execute('llmops.progress', [])) as { completed: number };
  assert.equal(standing.completed, 1);

  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(readFileSync(SCREENSHOT).length > 10_000, 'screenshot written');

  // The page is thrown away and rebuilt (tab hidden and shown, or a window
  // reload): it comes back as the learner left it, not unanswered.
  const sent = fromPage.length;
  await page.reload();
  await page.locator('#verdict').filter({ hasText: 'Correct, on try 3.' }).waitFor();
  await pending;
  assert.deepEqual(fromPage.slice(sent), [{ type: 'ready' }], 'only asks which showing is current');
  assert.equal(await text('#verdict'), 'Correct, on try 3.');
  assert.match((await choice('a').getAttribute('class')) ?? '', /\bwrong\b/);
  assert.match((await choice('d').getAttribute('class')) ?? '', /\bright\b/);
  assert.equal(await page.locator('#hint').isHidden(), true);

  // Next: the page asks for the next exercise and shows it fresh.
  await page.locator('#next').click();
  await pending;
  const nextMessage = fromPage.at(-1);
  assert.equal(nextMessage?.type, 'next');
  const nextId = (nextMessage as { exerciseId: string }).exerciseId;
  assert.notEqual(nextId, 'ttft-1');
  assert.equal(session.current?.id, nextId);
  await page.locator('#title').filter({ hasText: session.current!.title }).waitFor();
  assert.equal(await page.locator('#result').isHidden(), true, 'a fresh exercise has no verdict');
  assert.equal(await page.locator('#vocabulary-box').isHidden(), true, 'nor its vocabulary');
  assert.equal(await page.locator('#hint').isVisible(), true);

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), [], 'the page keeps to its own CSP');
  assert.deepEqual(errors, []);
});

test('after a wrong answer the learner may reveal the answer: right choice, every why, the explanation', async () => {
  const exercise = (await server.execute('llmops.openExercise', [{ exerciseId: 'prompt-ab-test-1' }])) as Exercise;
  await toPage(session.show(exercise));
  await page.locator('#title').filter({ hasText: exercise.title }).waitFor();
  await choice('a').click();
  await page.locator('#verdict').filter({ hasText: 'Not quite' }).waitFor();
  await pending;
  // R is the key for "show the answer" (the link says so).
  assert.match(await text('#retry'), /show the answer R\./);
  await page.keyboard.press('r');
  await page.locator('#verdict').filter({ hasText: 'The answer is' }).waitFor();
  await pending;
  assert.deepEqual(fromPage.at(-1), { type: 'reveal', exerciseId: 'prompt-ab-test-1' });
  const revealed = (fromPageReplies.at(-1) as { revealed: Revealed }).revealed;
  // Not a dead end: Next goes to the next open exercise, and has the focus.
  assert.equal(typeof revealed.nextExerciseId, 'string');
  assert.notEqual(revealed.nextExerciseId, 'prompt-ab-test-1');
  assert.equal(await page.locator('#next').isVisible(), true, 'Next after a reveal');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'next');
  assert.equal(revealed.rightChoice, 'b');
  assert.equal(await text('#verdict'), `The answer is choice ${await numberOf('b')}.`);
  assert.match((await choice('b').getAttribute('class')) ?? '', /\bright\b/);
  assert.match(await text('#lapse'), /comes back in a review/);
  for (const id of ['a', 'c', 'd']) {
    assert.equal(await page.locator(`li:has(button[data-choice="${id}"]) .why`).textContent(), revealed.why?.[id]);
  }
  assert.ok((revealed.explanation ?? '').startsWith((await page.locator('#explanation-text').textContent()) ?? '-'));
  // Revealed is not solved: the course does not count it.
  const list = (await server.execute('llmops.listExercises', [])) as { id: string; completed: boolean }[];
  assert.equal(list.find((e) => e.id === 'prompt-ab-test-1')?.completed, false);
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-revealed.png'), fullPage: true });
  // N goes on (as Next does).
  await page.keyboard.press('n');
  await until(() => fromPage.at(-1)?.type === 'next');
  assert.deepEqual(fromPage.at(-1), { type: 'next', exerciseId: revealed.nextExerciseId });
  await page.locator('#hint').filter({ hasText: 'Press 1–4' }).waitFor();
  await pending;
});

test('"Loading exercise…" gives way to Retry when no exercise comes; Retry asks again', async () => {
  const lonely = await browser.newPage({ viewport: { width: 700, height: 900 } });
  const html = exerciseHtml({ nonce: makeNonce(), cspSource: ORIGIN, scriptUri: `${ORIGIN}/exercise.js`, loadTimeoutMs: 300 });
  await lonely.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/index.html`) return route.fulfill({ contentType: 'text/html', body: html });
    if (url === `${ORIGIN}/exercise.js`) return route.fulfill({ contentType: 'text/javascript', body: readFileSync(SCRIPT) });
    return route.abort();
  });
  // An extension that never answers.
  await lonely.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    w.__posted = [];
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => (w.__posted as unknown[]).push(m), getState: () => undefined, setState: () => undefined });
  });
  const posted = () => lonely.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted.map((m) => m.type));
  await lonely.goto(`${ORIGIN}/index.html`);
  await lonely.locator('#reload').waitFor({ timeout: 5_000 });
  assert.equal(await lonely.locator('#error').innerText(), 'The exercise did not load.');
  assert.equal(await lonely.locator('#loading').isHidden(), true);
  assert.deepEqual(await posted(), ['ready']);
  await lonely.locator('#reload').click();
  assert.deepEqual(await posted(), ['ready', 'ready']);
  assert.equal(await lonely.locator('#loading').isVisible(), true, 'loading again');
  // This time the exercise comes: it shows, and no Retry is left behind.
  const exercise = (await server.execute('llmops.openExercise', [{ exerciseId: 'ttft-1' }])) as Exercise;
  await lonely.evaluate((m) => window.postMessage(m, '*'), { type: 'exercise', exercise, seq: 1 } as ToPage);
  await lonely.locator('#title').filter({ hasText: exercise.title }).waitFor();
  assert.equal(await lonely.locator('#reload').isHidden(), true);
  assert.equal(await lonely.locator('#error').isHidden(), true);
  await lonely.close();
});

test('text from a hostile team pack is shown literally, never as markup', async () => {
  // Served by the real server from the workspace's .llmops/hostile.toml.
  const hostile = (await server.execute('llmops.openExercise', [{ exerciseId: 'xss-probe-1' }])) as Exercise;
  assert.equal(hostile.title, '<img src=x onerror="window.__pwned=1">Hostile title');
  await toPage(session.show(hostile));
  await page.locator('#title').filter({ hasText: 'Hostile title' }).waitFor();

  assert.equal(await page.locator('#title').textContent(), '<img src=x onerror="window.__pwned=1">Hostile title');
  assert.equal(await page.locator('#scenario').textContent(), '<script>window.__pwned=2</script>Scenario');
  // Markdown link, image and autolink syntax stays text too: the panel has
  // no link or image of its own, so any would come from pack text.
  assert.equal(
    await page.locator('#question').textContent(),
    'Which <em>one</em>? [open](https://evil.example/q) ![i](https://evil.example/i.png) <https://evil.example/a> https://evil.example/bare mail@evil.example',
  );
  assert.equal(await page.locator('a, img').count(), 0, 'no link or image from pack text');
  // In the order the server shuffled them.
  assert.deepEqual(await page.locator('button.choice .text').allTextContents(), hostile.choices.map((c) => c.text));
  assert.deepEqual(hostile.choices.map((c) => c.text).sort(), ['&amp; entity', '<b>bold</b>', '<img src=x onerror="window.__pwned=3">', 'plain']);
  assert.equal(await page.locator('#meta').textContent(), `Exercise ${hostile.number} of ${hostile.total}`);

  await page.locator('button.choice[data-choice="c"]').click();
  await page.locator('#verdict').filter({ hasText: 'Correct' }).waitFor();
  await pending;
  assert.equal(await page.locator('#meta').textContent(), `Exercise ${hostile.number} of ${hostile.total} · Probe <b>term</b>`);
  assert.equal(await page.locator('dd').first().textContent(), 'A term <img src=x onerror="window.__pwned=1"> from a hostile pack.');
  assert.equal(await page.locator('#explanation-text').textContent(), '<iframe src="https://example.invalid"></iframe>');

  assert.equal(await page.locator('img, iframe, b, em, main script').count(), 0, 'no element was created from server text');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
});

test('a snippet exercise opened from a hint: the line it came from, linked back; the code highlighted; the vocabulary after the first try', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // What the Learn code action passes (see the server's origin.rs), with a control the server marks.
  const from = { uri: 'file:///ws/app/assistant.py', line: 41, character: 4, path: 'app/assistant.py', text: 'latency_ms = (time.monotonic() - start) * 1000\u202e' };
  const exercise = (await server.execute('llmops.openExercise', [{ exerciseId: 'acme-timer-1', from }])) as Exercise;
  assert.equal(exercise.origin?.text, 'latency_ms = (time.monotonic() - start) * 1000⟨U+202E⟩');
  // Themed as VS Code's dark theme themes it: variables on <html>, a class on <body>.
  await page.evaluate((vars) => {
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    document.body.classList.add('vscode-dark');
  }, DARK_THEME);
  await toPage(session.show(exercise));
  await page.locator('#title').filter({ hasText: exercise.title }).waitFor();

  // The page starts with where the learner met it.
  assert.equal(await page.locator('#origin').isVisible(), true);
  assert.equal(await page.locator('#origin').innerText(), 'You met this in app/assistant.py:42: latency_ms = (time.monotonic() - start) * 1000⟨U+202E⟩');
  const first = await page.locator('#exercise > :not([hidden])').first().getAttribute('id');
  assert.equal(first, 'origin', 'the origin line comes first');

  // The snippet: caption above, the code as written, highlighted, no markup from it.
  const snippet = exercise.snippet!;
  assert.equal(await page.locator('#snippet').isVisible(), true);
  assert.equal(await page.locator('#snippet-caption').textContent(), 'app/assistant.py');
  assert.equal(await page.locator('#snippet-code').textContent(), snippet.code);
  assert.match(snippet.code, /<b>not bold<\/b>/);
  assert.equal(await page.locator('#snippet-code b').count(), 0, 'markup in the code stays text');
  const keywords = await page.locator('#snippet-code .hljs-keyword').allTextContents();
  assert.ok(keywords.includes('import') && keywords.includes('def') && keywords.includes('return'), `keywords: ${keywords}`);
  assert.ok((await page.locator('#snippet-code .hljs-comment').count()) >= 1);
  const keywordColour = await page.locator('#snippet-code .hljs-keyword').first().evaluate((e) => getComputedStyle(e).color);
  const plainColour = await page.locator('#snippet-code').evaluate((e) => getComputedStyle(e).color);
  assert.notEqual(keywordColour, plainColour, 'keywords are coloured');
  const snippetBox = await page.locator('#snippet').boundingBox();
  const questionBox = await page.locator('#question').boundingBox();
  assert.ok(snippetBox && questionBox && snippetBox.y < questionBox.y, 'the snippet comes before the question');

  // Before the first answer: no term name, no vocabulary.
  assert.equal(await text('#meta'), `Exercise ${exercise.number} of ${exercise.total}`);
  assert.equal(await page.locator('#vocabulary-box').isHidden(), true);
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-snippet-before.png'), fullPage: true });

  // The link goes back to that spot: the extension opens it from the exercise it holds.
  await page.locator('#origin-link').click();
  await until(() => fromPage.at(-1)?.type === 'openOrigin');
  await pending;
  assert.deepEqual(fromPage.at(-1), { type: 'openOrigin' });
  assert.deepEqual(openedOrigins.at(-1), exercise.origin);

  // A wrong first try: the term's name and the vocabulary arrive.
  await choice('b').click();
  await page.locator('#verdict').filter({ hasText: 'Not quite' }).waitFor();
  await pending;
  assert.equal(await text('#meta'), `Exercise ${exercise.number} of ${exercise.total} · Acme timer`);
  assert.equal(await page.locator('#vocabulary-box').isVisible(), true);
  assert.deepEqual(await page.locator('#vocabulary dt').allTextContents(), ['Acme timer']);
  assert.equal(await page.locator('#snippet').isVisible(), true, 'the snippet stays');
  await page.locator('#vocabulary-box summary').click();
  await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-snippet-after.png'), fullPage: true });

  // An exercise without a snippet or origin shows neither.
  const plain = (await server.execute('llmops.openExercise', [{ exerciseId: 'ttft-2' }])) as Exercise;
  await toPage(session.show(plain));
  await page.locator('#title').filter({ hasText: plain.title }).waitFor();
  assert.equal(await page.locator('#snippet').isHidden(), true);
  assert.equal(await page.locator('#origin').isHidden(), true);
  assert.equal(await page.locator('#snippet-code').textContent(), '');

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), [], 'the page keeps to its own CSP');
  assert.deepEqual(errors, []);
});

test('an older server sends the vocabulary with the exercise: the page still keeps it for after the first answer', async () => {
  // The hostile pack's exercise: its key is `c`, so `a` is wrong.
  const current = (await server.execute('llmops.openExercise', [{ exerciseId: 'xss-probe-1' }])) as Exercise;
  const older: Exercise = { ...current, vocabulary: [{ id: 'xss-probe', name: 'Probe term', definition: 'A probe.' }] };
  await toPage(session.show(older));
  await page.locator('#title').filter({ hasText: older.title }).waitFor();
  assert.equal(await page.locator('#vocabulary-box').isHidden(), true);
  assert.equal(await page.locator('#vocabulary dt').count(), 0);
  assert.doesNotMatch(await text('#meta'), /Probe/);
  await choice('a').click();
  await page.locator('#verdict').filter({ hasText: 'Not quite' }).waitFor();
  await pending;
  assert.equal(await page.locator('#vocabulary-box').isVisible(), true);
});
