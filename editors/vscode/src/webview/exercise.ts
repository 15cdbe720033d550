/**
 * The exercise page's script (bundled to dist/webview/exercise.js).
 *
 * Server text may come from an untrusted team pack, so it is only ever set
 * with `textContent`, never parsed as HTML.
 *
 * Everything on screen is derived from one `PageState`, saved with
 * `setState` after every change: VS Code keeps it while the panel is hidden
 * (the page itself is thrown away) and hands it to the panel serializer on
 * a window reload, so the learner finds the exercise as they left it.
 */
import type { AnswerResult, Exercise, PageState, Revealed, ToPage, Why } from './protocol';
import type { FromPage } from './protocol';
import { highlightInto } from './highlight';

interface VsCodeApi {
  postMessage(message: FromPage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let state: PageState | undefined;
/** An answer is on its way: ignore further picks until it is back. */
let busy = false;

/** Explanations longer than this fold behind a summary line. */
const FOLD_AT = 280;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

/** The one way server text reaches the page. */
function setText(node: HTMLElement, value: unknown): void {
  node.textContent = value === undefined || value === null ? '' : String(value);
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: unknown): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) setText(node, text);
  return node;
}

function choiceButtons(): HTMLButtonElement[] {
  return Array.from(el('choices').querySelectorAll<HTMLButtonElement>('button.choice'));
}

function save(): void {
  vscode.setState(state);
}

function choices(exercise: Exercise) {
  return Array.isArray(exercise.choices) ? exercise.choices : [];
}

/** The number a choice has on screen (1-based), in the order shown. */
function numberOf(exercise: Exercise, id: string): number {
  return choices(exercise).findIndex((c) => String(c.id) === id) + 1;
}

/** Draws the whole page from `state`. */
function render(): void {
  if (!state) return;
  const { exercise, wrong, why, outcome } = state;
  el('loading').hidden = true;
  el('error').hidden = true;
  el('exercise').hidden = false;
  document.title = `LLMOps: ${exercise.title}`;
  // Before the first answer nothing names the term: its name (and, for a
  // generated question, the right choice itself) waits for the answer.
  const answered = wrong.length > 0 || outcome !== undefined;
  const place = typeof exercise.number === 'number' ? `Exercise ${exercise.number} of ${exercise.total}` : 'Review question';
  setText(
    el('meta'),
    `${place}${answered ? ` · ${exercise.termName}` : ''}${exercise.completed ? ' · completed before' : ''}`,
  );
  // Opened from a hint: the line it came from, linked back to it.
  const origin = exercise.origin;
  const hasOrigin = typeof origin === 'object' && origin !== null && typeof origin.path === 'string';
  el('origin').hidden = !hasOrigin;
  if (hasOrigin) {
    setText(el('origin-path'), `${origin.path}:${Number(origin.line) + 1}`);
    setText(el('origin-text'), origin.text);
  }
  setText(el('module'), state.moduleLine ?? '');
  el('module').hidden = !state.moduleLine;
  setText(el('title'), exercise.title);
  setText(el('scenario'), exercise.scenario);
  renderSnippet(exercise);
  setText(el('question'), exercise.question);

  const latestWrong = wrong.at(-1);
  const list = el('choices');
  list.replaceChildren();
  choices(exercise).forEach((choice, index) => {
    const id = String(choice.id);
    const button = make('button', 'choice');
    button.type = 'button';
    button.dataset.choice = id;
    button.setAttribute('aria-pressed', 'false');
    button.append(make('span', 'key', index + 1), make('span', 'text', choice.text));
    const isWrong = wrong.includes(id);
    const isRight = outcome?.rightChoice === id;
    button.classList.toggle('wrong', isWrong);
    button.classList.toggle('right', isRight);
    // A choice already known to be wrong, or every choice once the answer is
    // known, cannot be picked again; the others stay open for another try.
    button.disabled = isWrong || outcome !== undefined;
    button.addEventListener('click', () => answer(id));
    const item = make('li', '');
    item.append(button);
    // Why each choice is wrong: all of them once the answer is known (the
    // right one's why heads the verdict); before that, only earlier wrong
    // tries (the latest is in the verdict).
    const reason = outcome ? (isRight ? undefined : (outcome.why[id] ?? why[id])) : isWrong && id !== latestWrong ? why[id] : undefined;
    if (reason) item.append(make('p', 'why', reason));
    list.append(item);
  });

  el('hint').hidden = answered;
  renderResult();

  // The vocabulary's first entry is the exercise's own term, whose
  // definition the right choice echoes: it comes with the first answer
  // (an older server sends it with the exercise; it still waits).
  const vocabulary = el('vocabulary');
  vocabulary.replaceChildren();
  const entries = answered ? (state.vocabulary ?? exercise.vocabulary) : undefined;
  for (const entry of Array.isArray(entries) ? entries : []) {
    vocabulary.append(make('dt', '', entry.name), make('dd', '', entry.definition));
  }
  el('vocabulary-box').hidden = vocabulary.childElementCount === 0;
}

/** The code the question is about, highlighted in its language, its caption above. */
function renderSnippet(exercise: Exercise): void {
  const snippet = exercise.snippet;
  const figure = el('snippet');
  const code = el('snippet-code');
  const has = typeof snippet === 'object' && snippet !== null && typeof snippet.code === 'string';
  figure.hidden = !has;
  if (!has) {
    code.replaceChildren();
    return;
  }
  const caption = el('snippet-caption');
  setText(caption, snippet.caption);
  caption.hidden = !snippet.caption;
  const language = highlightInto(code, snippet.code, String(snippet.language ?? ''));
  code.className = language ? `hljs language-${language}` : '';
  figure.dataset.language = String(snippet.language ?? '');
}

function renderResult(): void {
  if (!state) return;
  const { exercise, wrong, why, outcome } = state;
  const section = el('result');
  section.hidden = wrong.length === 0 && outcome === undefined;
  section.classList.toggle('correct', outcome?.kind === 'correct');
  section.classList.toggle('revealed', outcome?.kind === 'revealed');
  section.classList.toggle('incorrect', outcome === undefined && wrong.length > 0);
  const reason = el('reason');
  const retry = el('retry');
  const explanation = el('explanation');
  const next = el<HTMLButtonElement>('next');
  if (outcome) {
    const number = numberOf(exercise, outcome.rightChoice);
    setText(
      el('verdict'),
      outcome.kind === 'correct'
        ? wrong.length > 0
          ? `Correct, on try ${wrong.length + 1}.`
          : 'Correct!'
        : `The answer is choice ${number}.`,
    );
    setText(reason, outcome.why[outcome.rightChoice] ?? '');
    reason.hidden = !outcome.why[outcome.rightChoice];
    retry.hidden = true;
    explanation.hidden = !outcome.explanation;
    const [lead, rest] = fold(outcome.explanation);
    setText(el('explanation-text'), lead);
    setText(el('explanation-rest'), rest);
    el('explanation-more').hidden = !rest;
    setText(el('lapse'), outcome.kind === 'revealed' ? 'Shown, not solved: this exercise comes back in a review.' : '');
    el('lapse').hidden = outcome.kind !== 'revealed';
    setText(el('progress'), state.courseLine ?? '');
    el('progress').hidden = !state.courseLine;
    const hasNext = typeof outcome.nextExerciseId === 'string' && outcome.nextExerciseId !== exercise.id;
    next.hidden = !hasNext;
    el('next-key').hidden = !hasNext;
    next.disabled = false;
    next.dataset.exerciseId = hasNext ? String(outcome.nextExerciseId) : '';
    el('last').hidden = hasNext || outcome.kind !== 'correct';
  } else if (wrong.length > 0) {
    const latest = wrong.at(-1)!;
    setText(el('verdict'), `Not quite: choice ${numberOf(exercise, latest)} is not it.`);
    setText(reason, why[latest] ?? '');
    reason.hidden = !why[latest];
    retry.hidden = false;
    explanation.hidden = true;
    el('lapse').hidden = true;
    setText(el('progress'), state.courseLine ?? '');
    el('progress').hidden = !state.courseLine;
    next.hidden = true;
    el('next-key').hidden = true;
    el('last').hidden = true;
  }
}

/**
 * A long explanation shows its first sentences up to about FOLD_AT
 * characters; the rest folds behind "Read the full explanation".
 */
function fold(text: string): [string, string] {
  if (text.length <= FOLD_AT) return [text, ''];
  const sentences = text.match(/[^.!?]+[.!?]+(\s+|$)|[^.!?]+$/g) ?? [text];
  let lead = '';
  for (const sentence of sentences) {
    if (lead && lead.length + sentence.length > FOLD_AT) break;
    lead += sentence;
  }
  const rest = text.slice(lead.length).trim();
  return rest ? [lead.trim(), rest] : [text, ''];
}

function showExercise(exercise: Exercise, seq: number, moduleLine: string | undefined): void {
  clearTimeout(loadTimer);
  el('reload').hidden = true;
  // The same showing coming back (the panel was hidden, or the window
  // reloaded): keep what the learner did. A new showing starts fresh.
  if (state && state.seq === seq && state.exercise.id === exercise.id) {
    if (moduleLine) state.moduleLine = moduleLine;
  } else {
    state = { exercise, seq, wrong: [], why: {}, moduleLine };
  }
  busy = false;
  save();
  render();
}

function answer(choice: string): void {
  if (!state || busy || state.outcome || state.wrong.includes(choice)) return;
  busy = true;
  for (const button of choiceButtons()) button.setAttribute('aria-pressed', String(button.dataset.choice === choice));
  vscode.postMessage({ type: 'answer', exerciseId: state.exercise.id, choice });
}

function withWhy(base: Why, extra: Why | undefined): Why {
  return { ...base, ...(extra && typeof extra === 'object' ? extra : {}) };
}

function showResult(result: AnswerResult, moduleLine: string | undefined, courseLine: string | undefined): void {
  busy = false;
  if (!state) return;
  state.why = withWhy(state.why, result.why);
  if (Array.isArray(result.vocabulary)) state.vocabulary = result.vocabulary;
  if (moduleLine) state.moduleLine = moduleLine;
  if (courseLine) state.courseLine = courseLine;
  const chosen = String(result.chosen);
  if (result.correct) {
    state.outcome = {
      kind: 'correct',
      rightChoice: typeof result.rightChoice === 'string' ? result.rightChoice : chosen,
      why: state.why,
      explanation: result.explanation ?? '',
      nextExerciseId: result.nextExerciseId ?? null,
    };
  } else if (!state.wrong.includes(chosen)) {
    // Whatever an older server adds (`rightChoice`), a wrong answer never
    // shows the right one: the learner may try again.
    state.wrong.push(chosen);
  }
  save();
  render();
  el('result').scrollIntoView({ block: 'nearest' });
  if (state.outcome) {
    const next = el<HTMLButtonElement>('next');
    // After a right answer, Enter goes straight on to the next exercise.
    if (!next.hidden) next.focus();
  }
}

function showRevealed(exerciseId: string, revealed: Revealed): void {
  busy = false;
  if (!state || state.exercise.id !== exerciseId) return;
  state.why = withWhy(state.why, revealed.why);
  if (Array.isArray(revealed.vocabulary)) state.vocabulary = revealed.vocabulary;
  state.outcome = {
    kind: 'revealed',
    rightChoice: String(revealed.rightChoice),
    why: state.why,
    explanation: revealed.explanation ?? '',
    // The client names the next open exercise: a reveal is not a dead end.
    nextExerciseId: typeof revealed.nextExerciseId === 'string' ? revealed.nextExerciseId : null,
  };
  save();
  render();
  el('result').scrollIntoView({ block: 'nearest' });
  const next = el<HTMLButtonElement>('next');
  if (!next.hidden) next.focus();
}

function renderError(message: string): void {
  busy = false;
  const error = el('error');
  setText(error, message);
  error.hidden = false;
  el('loading').hidden = true;
  // Nothing on screen yet: offer to ask again.
  el('reload').hidden = state !== undefined;
}

/**
 * "Loading exercise…" never stays: if no exercise arrives within the
 * timeout (the body's `data-load-timeout`, in ms), the page says so and
 * offers Retry, which asks the extension again.
 */
let loadTimer: ReturnType<typeof setTimeout> | undefined;
function askForExercise(): void {
  el('reload').hidden = true;
  el('error').hidden = true;
  if (!state) el('loading').hidden = false;
  vscode.postMessage({ type: 'ready' });
  clearTimeout(loadTimer);
  const timeout = Number(document.body.dataset.loadTimeout) || 10_000;
  loadTimer = setTimeout(() => {
    if (!state) renderError('The exercise did not load.');
  }, timeout);
}

el('reload').addEventListener('click', askForExercise);

function goNext(): void {
  const next = el<HTMLButtonElement>('next');
  const exerciseId = next.dataset.exerciseId;
  if (!exerciseId || next.hidden || next.disabled) return;
  next.disabled = true;
  vscode.postMessage({ type: 'next', exerciseId });
}
el('next').addEventListener('click', goNext);

el('origin-link').addEventListener('click', () => {
  vscode.postMessage({ type: 'openOrigin' });
});

function reveal(): void {
  if (!state || state.outcome || busy || state.wrong.length === 0) return;
  busy = true;
  vscode.postMessage({ type: 'reveal', exerciseId: state.exercise.id });
}
el('reveal').addEventListener('click', reveal);

/**
 * 1–9 move focus to that choice; Enter (the button's own behaviour) answers
 * it. After a wrong answer R shows the answer; once answered N goes to the
 * next exercise (the keys Neovim's float uses).
 */
document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toLowerCase();
  if (key === 'r' || key === 'n') {
    event.preventDefault();
    if (key === 'r') reveal();
    else if (state?.outcome) goNext();
    return;
  }
  if (!/^[1-9]$/.test(event.key)) return;
  const buttons = choiceButtons();
  const target = buttons[Number(event.key) - 1];
  // Always swallow the digit: it must never reach anything else.
  event.preventDefault();
  if (!target || target.disabled) return;
  for (const button of buttons) button.setAttribute('aria-pressed', String(button === target));
  target.focus();
});

window.addEventListener('message', (event: MessageEvent<ToPage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'exercise':
      showExercise(message.exercise, message.seq, message.moduleLine);
      break;
    case 'result':
      showResult(message.result, message.moduleLine, message.courseLine);
      break;
    case 'revealed':
      showRevealed(message.exerciseId, message.revealed);
      break;
    case 'error':
      renderError(message.message);
      break;
  }
});

// A panel that was hidden and shown again, or restored after a reload,
// starts from its saved state; `ready` then asks which showing is current.
const saved = vscode.getState() as PageState | undefined;
if (saved && typeof saved === 'object' && saved.exercise && Array.isArray(saved.wrong)) {
  state = { ...saved, why: saved.why ?? {} };
  render();
}
askForExercise();
