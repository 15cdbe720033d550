/**
 * The client's logic around the server's commands: which exercise the cursor
 * is on, what the executeCommand middleware does, how webview messages become
 * server commands, and what the status bar and progress list show.
 *
 * This module does not import `vscode`: the extension wires it to VS Code,
 * and the tests run it against the real server over plain JSON-RPC.
 */
import type {
  AnswerResult,
  Exercise,
  ExerciseSummary,
  FromPage,
  ModuleRef,
  Origin,
  Progress,
  Revealed,
  TermPage,
  ToPage,
} from './webview/protocol';

export const OPEN_EXERCISE = 'llmops.openExercise';
export const ANSWER_EXERCISE = 'llmops.answerExercise';
export const REVEAL_ANSWER = 'llmops.revealAnswer';
export const LIST_EXERCISES = 'llmops.listExercises';
export const PROGRESS = 'llmops.progress';
export const MARK_KNOWN = 'llmops.markKnown';
export const FORGET_KNOWN = 'llmops.forgetKnown';
export const TERM_PAGE = 'llmops.termPage';

/** Commands after which the learner's standing (and so the status bar) may have changed. */
const CHANGES_LEARNING = new Set([ANSWER_EXERCISE, REVEAL_ANSWER, MARK_KNOWN, FORGET_KNOWN]);

/** Runs a server command through `workspace/executeCommand`. */
export type Execute = (command: string, args: unknown[]) => Promise<unknown>;

export interface PositionLike {
  line: number;
  character: number;
}

/** What LSP diagnostics and `vscode.Diagnostic`s (with the client's `data`) have in common. */
export interface DiagnosticLike {
  range: { start: PositionLike; end: PositionLike };
  source?: string;
  code?: string | number | { value: string | number };
  data?: unknown;
}

/** The source the server puts on every diagnostic it publishes. */
export const HINT_SOURCE = 'llmops';

/** The ranges the hint decoration underlines: the llmops diagnostics' own full ranges, nothing else. */
export function hintRanges<R>(diagnostics: readonly { source?: string; range: R }[]): R[] {
  return diagnostics.filter((d) => d.source === HINT_SOURCE).map((d) => d.range);
}

/**
 * How a hint looks: a dotted underline under the whole term, quiet but
 * visible, in the brand's indigo on light themes and a pale one on dark
 * themes (VS Code picks by the theme's kind).
 */
export const HINT_DECORATION = {
  light: { textDecoration: 'underline dotted 2px rgb(67, 56, 202)' },
  dark: { textDecoration: 'underline dotted 2px rgb(165, 180, 252)' },
} as const;

export type OpenArgs = [{ exerciseId: string } | { termId: string }];

function before(a: PositionLike, b: PositionLike): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/**
 * The `llmops.openExercise` arguments for the llmops diagnostic under the
 * cursor: its `data.exerciseId`, else its term (the diagnostic's code) so the
 * server picks that term's exercise. The range end counts as inside, so a
 * cursor just after a word still finds it.
 */
export function exerciseArgsAt(diagnostics: readonly DiagnosticLike[], position: PositionLike): OpenArgs | undefined {
  for (const d of diagnostics) {
    if (d.source !== 'llmops' || !before(d.range.start, position) || !before(position, d.range.end)) continue;
    const exerciseId = stringField(d.data, 'exerciseId');
    if (exerciseId) return [{ exerciseId }];
    const code = typeof d.code === 'object' ? d.code.value : d.code;
    const termId = stringField(d.data, 'termId') ?? (code === undefined ? undefined : String(code));
    if (termId) return [{ termId }];
  }
  return undefined;
}

export function isExercise(value: unknown): value is Exercise {
  const v = value as Exercise | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && Array.isArray(v.choices);
}

export function isOrigin(value: unknown): value is Origin {
  const v = value as Origin | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.uri === 'string' &&
    typeof v.path === 'string' &&
    typeof v.text === 'string' &&
    Number.isInteger(v.line) &&
    v.line >= 0
  );
}

export function isTermPage(value: unknown): value is TermPage {
  const v = value as TermPage | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.name === 'string' && typeof v.definition === 'string';
}

export interface MiddlewareHooks {
  /** Shows the exercise the server returned (the webview panel). */
  showExercise(exercise: Exercise): void;
  /** Shows the term page the server returned (`llmops.termPage`, e.g. from a hover link). */
  showTermPage?(page: TermPage): void;
  /** The learner's standing changed: refresh the status bar. */
  learningChanged(): void;
  /** Reports a failed command to the user. */
  showError(message: string): void;
  /** Sees every command result (for `notSaved`). */
  sawResult?(result: unknown): void;
}

/**
 * `middleware.executeCommand` for the language client. VS Code runs the
 * server's commands (from code actions or the palette) through the handlers
 * the client registered, which would throw away `llmops.openExercise`'s
 * result; here the result is kept and shown.
 */
export function executeCommandMiddleware(hooks: MiddlewareHooks) {
  return async (command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): Promise<unknown> => {
    let result: unknown;
    try {
      result = await next(command, args);
    } catch (error) {
      hooks.showError(`LLMOps: ${command} failed: ${errorMessage(error)}`);
      return undefined;
    }
    hooks.sawResult?.(result);
    if (command === OPEN_EXERCISE && isExercise(result)) hooks.showExercise(result);
    if (command === TERM_PAGE && isTermPage(result)) hooks.showTermPage?.(result);
    if (CHANGES_LEARNING.has(command)) hooks.learningChanged();
    return result;
  };
}

/**
 * Watches command results for `notSaved`, which the server adds to every
 * object result while changes are kept in memory only (a full or read-only
 * disk). Returns the server's warning when a new change joins the unsaved
 * ones, so each answer that is not saved is said once, and not again on
 * every later command; a result without it means saving works again.
 */
export class UnsavedChanges {
  private warned = 0;

  check(result: unknown): string | undefined {
    if (typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
    const notSaved = (result as Record<string, unknown>).notSaved;
    if (typeof notSaved !== 'object' || notSaved === null) {
      this.warned = 0;
      return undefined;
    }
    const { changes, message } = notSaved as { changes?: unknown; message?: unknown };
    if (typeof changes !== 'number' || typeof message !== 'string') return undefined;
    const fresh = changes > this.warned;
    this.warned = changes;
    return fresh ? message : undefined;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A module reference's id, whatever form the server gave it in. */
export function moduleId(ref: ModuleRef): string | undefined {
  if (typeof ref === 'string') return ref || undefined;
  if (ref && typeof ref === 'object' && typeof ref.id === 'string') return ref.id;
  return undefined;
}

/** "Latency: 4 of 12 exercises done" for the exercise's module, if the server reports modules. */
export function moduleLine(progress: Progress | undefined, ref: ModuleRef): string | undefined {
  const id = moduleId(ref);
  const found = id === undefined ? undefined : progress?.modules?.find((m) => m.id === id);
  if (!found) return undefined;
  return `${found.name}: ${found.completed} of ${plural(found.total, 'exercise')} done`;
}

/** "1 term", "2 terms": every count the learner reads goes through here. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/**
 * One exercise panel's conversation with the server: turns the page's
 * messages into `llmops.answerExercise` / `llmops.revealAnswer` /
 * `llmops.openExercise` calls and their results into messages for the page.
 */
export class ExerciseSession {
  current: Exercise | undefined;
  /** Bumped on every showing, so the page can tell a new showing from a restored one. */
  seq = 0;

  constructor(
    private readonly execute: Execute,
    /** The learner's standing changed: an answer (with its result) or a reveal (without). */
    private readonly onAnswered: (result?: AnswerResult) => void = () => {},
    /** Shows the spot an exercise was opened from (the editor, in the extension). */
    private readonly openOrigin: (origin: Origin) => void = () => {},
  ) {}

  /** A new exercise to show (from the middleware or the Next link). */
  show(exercise: Exercise): ToPage {
    this.current = exercise;
    this.seq += 1;
    return { type: 'exercise', exercise, seq: this.seq };
  }

  /** The module line for the current exercise; an old server without modules gives none. */
  async moduleLine(): Promise<string | undefined> {
    if (moduleId(this.current?.module) === undefined) return undefined;
    try {
      return moduleLine((await this.execute(PROGRESS, [])) as Progress, this.current?.module);
    } catch {
      return undefined;
    }
  }

  /** The next open exercise after `exerciseId` in course order (see `nextOpenExercise`). */
  private async nextOpen(exerciseId: string): Promise<string | null> {
    try {
      return nextOpenExercise((await this.execute(LIST_EXERCISES, [])) as ExerciseSummary[], exerciseId);
    } catch {
      return null;
    }
  }

  async handle(message: FromPage): Promise<ToPage | undefined> {
    try {
      switch (message.type) {
        case 'ready':
          // A page with nothing to show (a panel restored without its state)
          // is told so, instead of "Loading exercise…" forever.
          if (!this.current) return { type: 'error', message: NOTHING_TO_SHOW };
          return { type: 'exercise', exercise: this.current, seq: this.seq, moduleLine: await this.moduleLine() };
        case 'answer': {
          const result = (await this.execute(ANSWER_EXERCISE, [
            { exerciseId: message.exerciseId, choice: message.choice },
          ])) as AnswerResult;
          this.onAnswered(result);
          const courseLine = `${result.progress?.completed ?? 0} of ${plural(result.progress?.total ?? 0, 'exercise')} completed`;
          return { type: 'result', result, courseLine, moduleLine: await this.moduleLine() };
        }
        case 'reveal': {
          const revealed = (await this.execute(REVEAL_ANSWER, [{ exerciseId: message.exerciseId }])) as Revealed;
          if (typeof revealed?.rightChoice !== 'string') return { type: 'error', message: 'The server did not reveal the answer.' };
          // A reveal counts as a lapse in the schedule: the status bar and glossary change.
          this.onAnswered();
          // The server names no next exercise after a reveal: the next open
          // one in course order, so the page is never a dead end.
          const next = revealed.nextExerciseId ?? (await this.nextOpen(message.exerciseId));
          return { type: 'revealed', exerciseId: message.exerciseId, revealed: { ...revealed, nextExerciseId: next } };
        }
        case 'next': {
          const exercise = await this.execute(OPEN_EXERCISE, [{ exerciseId: message.exerciseId }]);
          if (!isExercise(exercise)) return { type: 'error', message: 'The server returned no exercise.' };
          const shown = this.show(exercise) as Extract<ToPage, { type: 'exercise' }>;
          return { ...shown, moduleLine: await this.moduleLine() };
        }
        case 'openOrigin': {
          // The spot comes from the exercise the server sent, never from
          // the page's message.
          const origin = this.current?.origin;
          if (isOrigin(origin)) this.openOrigin(origin);
          return undefined;
        }
        default:
          return undefined;
      }
    } catch (error) {
      return { type: 'error', message: errorMessage(error) };
    }
  }
}

export const NOTHING_TO_SHOW = 'No exercise is open in this panel. Open one from a hint (Ctrl+.), the glossary or the LLMOps menu.';

/**
 * The first exercise after `exerciseId` in the list's (course) order that
 * is not completed, wrapping around; null when every other one is done.
 */
export function nextOpenExercise(list: readonly ExerciseSummary[], exerciseId: string): string | null {
  const at = list.findIndex((e) => e.id === exerciseId);
  for (let step = 1; step < list.length; step++) {
    const candidate = list[(at + step + list.length) % list.length]!;
    if (candidate.id !== exerciseId && !candidate.completed) return candidate.id;
  }
  return null;
}

/**
 * For "Review due terms" with nothing due: the first hint in the open file
 * whose term the learner has not started (no state, or `new`), so a new
 * learner is offered something to learn instead of a dead end.
 */
export function newTermIn(diagnostics: readonly DiagnosticLike[], progress: Progress): { termId: string; exerciseId?: string } | undefined {
  const sorted = diagnostics
    .filter((d) => d.source === 'llmops')
    .slice()
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  for (const d of sorted) {
    const args = exerciseArgsAt([d], d.range.start)?.[0];
    const code = typeof d.code === 'object' ? d.code.value : d.code;
    const termId = stringField(d.data, 'termId') ?? (code === undefined ? undefined : String(code));
    if (!args || !termId) continue;
    const state = progress.terms?.[termId] ?? 'new';
    if (state === 'new') return { termId, exerciseId: 'exerciseId' in args ? args.exerciseId : undefined };
  }
  return undefined;
}

export interface ModuleSummaryItem {
  label: string;
  description: string;
  detail?: string;
  moduleId: string;
}

/**
 * "Show progress and exercises" opens on a summary: one row per module
 * with its counts (exercises done, terms known, terms due), in course order;
 * picking one lists that module's exercises.
 */
export function moduleSummary(list: readonly ExerciseSummary[], progress: Progress): ModuleSummaryItem[] {
  return glossary(list, progress).map((m) => {
    const states = m.terms.map((t) => t.state);
    const known = states.filter((s) => s === 'known').length;
    const due = states.filter((s) => s === 'due').length;
    const learning = states.filter((s) => s === 'learning').length;
    const parts = [`${plural(m.terms.length, 'term')}`, `${known} known`];
    if (learning) parts.push(`${learning} learning`);
    if (due) parts.push(`${due} due`);
    return {
      label: `${m.completed === m.total && m.total > 0 ? '$(pass-filled)' : '$(folder)'} ${m.name}`,
      description: `${m.completed} of ${plural(m.total, 'exercise')} done`,
      detail: parts.join(' · '),
      moduleId: m.id,
    };
  });
}

/** The summary's title: the whole course in one line. */
export function progressTitle(progress: Progress): string {
  return `LLMOps: ${progress.completed} of ${plural(progress.total, 'exercise')} done · ${plural(progress.known, 'term')} known · ${progress.due} due`;
}

/** The status bar icon: a codicon VS Code ships. */
export const STATUS_ICON = '$(mortar-board)';

/** Status bar text, e.g. `$(mortar-board) LLMOps 2/5 · 1 due`. */
export function statusText(progress: Progress): string {
  const due = progress.due > 0 ? ` · ${progress.due} due` : '';
  return `${STATUS_ICON} LLMOps ${progress.completed}/${progress.total}${due}`;
}

export function statusTooltip(progress: Progress): string {
  return (
    `${progress.completed} of ${plural(progress.total, 'exercise')} completed · ` +
    `${plural(progress.known, 'term')} known · ${plural(progress.due, 'term')} due for review. ` +
    'Click for the LLMOps menu.'
  );
}

export interface MenuItem {
  label: string;
  description?: string;
  command: string;
  args?: unknown[];
}

/** The status bar's menu: every command of the extension, the useful one first. */
export function statusMenu(progress: Progress | undefined): MenuItem[] {
  const due = progress?.due ?? 0;
  const items: MenuItem[] = [
    {
      label: '$(history) Review due terms',
      description: due > 0 ? `${plural(due, 'term')} due` : 'nothing due',
      command: 'llmops.reviewDue',
    },
    { label: '$(book) Open the glossary', description: 'terms by module, with their state', command: 'llmops.glossary.focus' },
    {
      label: '$(checklist) Show progress and exercises',
      description: progress ? `${progress.completed} of ${progress.total} completed` : undefined,
      command: 'llmops.showProgress',
    },
    { label: '$(mortar-board) Open exercise for term under cursor', command: 'llmops.openExerciseUnderCursor' },
    { label: '$(eye) Show all known terms again', description: `${plural(progress?.known ?? 0, 'term')} known`, command: 'llmops.forgetAllKnown' },
    { label: '$(rocket) Get started', description: 'the walkthrough', command: 'llmops.walkthrough' },
    { label: '$(settings-gear) Settings', command: 'workbench.action.openSettings', args: ['@ext:llmops-lsp.llmops-lsp'] },
    { label: '$(debug-restart) Restart language server', command: 'llmops.restartServer' },
  ];
  return items;
}

/** Terms due for review, named from the exercise list (term id → name), in course order. */
export function dueTerms(progress: Progress, list: readonly ExerciseSummary[]): { termId: string; name: string }[] {
  const names = new Map<string, string>();
  for (const e of list) if (!names.has(e.term)) names.set(e.term, e.termName);
  const due = Object.entries(progress.terms ?? {})
    .filter(([, state]) => state === 'due')
    .map(([termId]) => termId);
  const order = [...names.keys()];
  due.sort((a, b) => (order.indexOf(a) + 1 || Infinity) - (order.indexOf(b) + 1 || Infinity));
  return due.map((termId) => ({ termId, name: names.get(termId) ?? termId }));
}

export interface GlossaryExercise {
  id: string;
  title: string;
  completed: boolean;
  attempts: number;
}

export interface GlossaryTerm {
  id: string;
  name: string;
  state: string;
  exercises: GlossaryExercise[];
}

export interface GlossaryModule {
  id: string;
  name: string;
  completed: number;
  total: number;
  terms: GlossaryTerm[];
}

/** What the glossary shows for a state: review due reads better than `due`. */
export function stateLabel(state: string): string {
  return state === 'due' ? 'review due' : state;
}

/**
 * The glossary view's tree: modules (in the server's course order) holding
 * their terms, each with its state and exercises. An older server without
 * modules gives one group of every term.
 */
export function glossary(list: readonly ExerciseSummary[], progress: Progress): GlossaryModule[] {
  const modules = new Map<string, GlossaryModule>();
  for (const m of progress.modules ?? []) modules.set(m.id, { ...m, terms: [] });
  const terms = new Map<string, GlossaryTerm>();
  for (const e of list) {
    const id = moduleId(e.module) ?? '';
    let module = modules.get(id);
    if (!module) {
      const name = typeof e.module === 'object' && e.module?.name ? e.module.name : id || 'All terms';
      module = { id, name, completed: 0, total: 0, terms: [] };
      modules.set(id, module);
    }
    let term = terms.get(e.term);
    if (!term) {
      term = { id: e.term, name: e.termName, state: progress.terms?.[e.term] ?? 'new', exercises: [] };
      terms.set(e.term, term);
      module.terms.push(term);
    }
    term.exercises.push({ id: e.id, title: e.title, completed: e.completed, attempts: e.attempts });
  }
  const result = [...modules.values()].filter((m) => m.terms.length > 0);
  // Without per-module counts from the server, count the exercises listed.
  for (const m of result) {
    if (progress.modules?.some((p) => p.id === m.id)) continue;
    const all = m.terms.flatMap((t) => t.exercises);
    m.completed = all.filter((e) => e.completed).length;
    m.total = all.length;
  }
  return result;
}

export interface ProgressItem {
  label: string;
  description: string;
  detail: string;
  exerciseId: string;
}

/** QuickPick rows for `llmops.listExercises`, one per exercise with its state. */
export function progressItems(list: readonly ExerciseSummary[]): ProgressItem[] {
  return list.map((e) => ({
    label: `${e.completed ? '$(pass-filled)' : '$(circle-large-outline)'} ${e.title}`,
    description: e.termName,
    detail: e.completed
      ? `completed · ${e.attempts} ${e.attempts === 1 ? 'attempt' : 'attempts'}`
      : e.attempts > 0
        ? `not solved yet · ${e.attempts} ${e.attempts === 1 ? 'attempt' : 'attempts'}`
        : 'not started',
    exerciseId: e.id,
  }));
}
