/**
 * The client's logic around the server's commands: which exercise the cursor
 * is on, what the executeCommand middleware does, how webview messages become
 * server commands, and what the status bar and progress list show.
 *
 * This module does not import `vscode`: the extension wires it to VS Code,
 * and the tests run it against the real server over plain JSON-RPC.
 */
import type { AnswerResult, Exercise, ExerciseSummary, FromPage, Progress, ToPage } from './webview/protocol';

export const OPEN_EXERCISE = 'llmops.openExercise';
export const ANSWER_EXERCISE = 'llmops.answerExercise';
export const LIST_EXERCISES = 'llmops.listExercises';
export const PROGRESS = 'llmops.progress';
export const MARK_KNOWN = 'llmops.markKnown';
export const FORGET_KNOWN = 'llmops.forgetKnown';

/** Commands after which the learner's standing (and so the status bar) may have changed. */
const CHANGES_LEARNING = new Set([ANSWER_EXERCISE, MARK_KNOWN, FORGET_KNOWN]);

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

export interface MiddlewareHooks {
  /** Shows the exercise the server returned (the webview panel). */
  showExercise(exercise: Exercise): void;
  /** The learner's standing changed: refresh the status bar. */
  learningChanged(): void;
  /** Reports a failed command to the user. */
  showError(message: string): void;
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
    if (command === OPEN_EXERCISE && isExercise(result)) hooks.showExercise(result);
    if (CHANGES_LEARNING.has(command)) hooks.learningChanged();
    return result;
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One exercise panel's conversation with the server: turns the page's
 * messages into `llmops.answerExercise` / `llmops.openExercise` calls and
 * their results into messages for the page.
 */
export class ExerciseSession {
  current: Exercise | undefined;

  constructor(
    private readonly execute: Execute,
    private readonly onAnswered: (result: AnswerResult) => void = () => {},
  ) {}

  async handle(message: FromPage): Promise<ToPage | undefined> {
    try {
      switch (message.type) {
        case 'ready':
          return this.current && { type: 'exercise', exercise: this.current };
        case 'answer': {
          const result = (await this.execute(ANSWER_EXERCISE, [
            { exerciseId: message.exerciseId, choice: message.choice },
          ])) as AnswerResult;
          this.onAnswered(result);
          return { type: 'result', result };
        }
        case 'next': {
          const exercise = await this.execute(OPEN_EXERCISE, [{ exerciseId: message.exerciseId }]);
          if (!isExercise(exercise)) return { type: 'error', message: 'The server returned no exercise.' };
          this.current = exercise;
          return { type: 'exercise', exercise };
        }
        default:
          return undefined;
      }
    } catch (error) {
      return { type: 'error', message: errorMessage(error) };
    }
  }
}

/** Status bar text, e.g. `LLMOps 2/5`. */
export function statusText(progress: Progress): string {
  return `LLMOps ${progress.completed}/${progress.total}`;
}

export function statusTooltip(progress: Progress): string {
  return (
    `${progress.completed} of ${progress.total} exercises completed, ` +
    `${progress.known} terms known, ${progress.due} due for review. Click to see every exercise.`
  );
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
