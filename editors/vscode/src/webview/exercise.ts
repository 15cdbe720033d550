/**
 * The exercise page's script (bundled to dist/webview/exercise.js).
 *
 * Server text may come from an untrusted team pack, so it is only ever set
 * with `textContent`, never parsed as HTML.
 */
import type { AnswerResult, Exercise, FromPage, ToPage } from './protocol';

interface VsCodeApi {
  postMessage(message: FromPage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
let exercise: Exercise | undefined;

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

function renderExercise(next: Exercise): void {
  exercise = next;
  vscode.setState({ exercise: next });
  el('loading').hidden = true;
  el('error').hidden = true;
  el('exercise').hidden = false;
  el('result').hidden = true;
  document.title = `LLMOps: ${next.title}`;
  setText(
    el('meta'),
    `Exercise ${next.number} of ${next.total} · ${next.termName}${next.completed ? ' · completed before' : ''}`,
  );
  setText(el('title'), next.title);
  setText(el('scenario'), next.scenario);
  setText(el('question'), next.question);

  const list = el('choices');
  list.replaceChildren();
  (Array.isArray(next.choices) ? next.choices : []).forEach((choice, index) => {
    const button = make('button', 'choice');
    button.type = 'button';
    button.dataset.choice = String(choice.id);
    button.setAttribute('aria-pressed', 'false');
    button.append(make('span', 'key', index + 1), make('span', 'text', choice.text));
    button.addEventListener('click', () => answer(String(choice.id)));
    const item = make('li', '');
    item.append(button);
    list.append(item);
  });

  const vocabulary = el('vocabulary');
  vocabulary.replaceChildren();
  for (const entry of Array.isArray(next.vocabulary) ? next.vocabulary : []) {
    vocabulary.append(make('dt', '', entry.name), make('dd', '', entry.definition));
  }
  el('vocabulary-box').hidden = vocabulary.childElementCount === 0;
}

function answer(choice: string): void {
  if (!exercise) return;
  for (const button of choiceButtons()) button.setAttribute('aria-pressed', String(button.dataset.choice === choice));
  vscode.postMessage({ type: 'answer', exerciseId: exercise.id, choice });
}

function renderResult(result: AnswerResult): void {
  const buttons = choiceButtons();
  const number = (id: string) => buttons.findIndex((b) => b.dataset.choice === id) + 1;
  const section = el('result');
  section.hidden = false;
  section.classList.toggle('correct', result.correct);
  section.classList.toggle('incorrect', !result.correct);
  setText(
    el('verdict'),
    result.correct ? 'Correct!' : `Not quite. The right answer is choice ${number(result.rightChoice)}.`,
  );
  setText(el('explanation'), result.explanation);
  setText(el('progress'), `${result.progress?.completed ?? 0} of ${result.progress?.total ?? 0} exercises completed`);
  for (const button of buttons) {
    button.classList.toggle('right', button.dataset.choice === result.rightChoice);
    button.classList.toggle('wrong', !result.correct && button.dataset.choice === result.chosen);
  }
  const next = el<HTMLButtonElement>('next');
  const hasNext = typeof result.nextExerciseId === 'string' && result.nextExerciseId !== exercise?.id;
  next.hidden = !hasNext;
  next.disabled = false;
  next.dataset.exerciseId = hasNext ? String(result.nextExerciseId) : '';
  el('last').hidden = hasNext || !result.correct;
  // After a right answer, Enter goes straight on to the next exercise.
  if (result.correct && hasNext) next.focus();
}

function renderError(message: string): void {
  const error = el('error');
  setText(error, message);
  error.hidden = false;
  el('loading').hidden = true;
}

el('next').addEventListener('click', () => {
  const next = el<HTMLButtonElement>('next');
  const exerciseId = next.dataset.exerciseId;
  if (!exerciseId) return;
  next.disabled = true;
  vscode.postMessage({ type: 'next', exerciseId });
});

/** 1–9 move focus to that choice; Enter (the button's own behaviour) answers it. */
document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-9]$/.test(event.key)) return;
  const buttons = choiceButtons();
  const target = buttons[Number(event.key) - 1];
  if (!target) return;
  event.preventDefault();
  for (const button of buttons) button.setAttribute('aria-pressed', String(button === target));
  target.focus();
});

window.addEventListener('message', (event: MessageEvent<ToPage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'exercise':
      renderExercise(message.exercise);
      break;
    case 'result':
      renderResult(message.result);
      break;
    case 'error':
      renderError(message.message);
      break;
  }
});

// A panel that was hidden and shown again starts from its saved state.
const saved = vscode.getState() as { exercise?: Exercise } | undefined;
if (saved?.exercise) renderExercise(saved.exercise);
vscode.postMessage({ type: 'ready' });
