/**
 * The server's command results and the messages between the webviews and
 * the extension. Types only: shared by the page script, the extension and
 * the tests.
 *
 * Fields marked "course" come with the course contract (issue 11); older
 * servers leave them out and every reader copes with their absence.
 */

export interface Choice {
  id: string;
  text: string;
}

export interface VocabularyEntry {
  id: string;
  name: string;
  definition: string;
}

/** A module reference as the server may give it: an id, or id and name. */
export type ModuleRef = string | { id: string; name?: string } | null | undefined;

/**
 * Where an exercise was opened from (the Learn code action or the hover's
 * Learn link): the server's `origin`, made inert there (one line, capped,
 * invisible controls marked).
 */
export interface Origin {
  uri: string;
  /** Zero-based LSP line and character. */
  line: number;
  character: number;
  /** Workspace-relative path, e.g. `app/assistant.py`. */
  path: string;
  /** The line around the term, trimmed. */
  text: string;
}

/** A code or configuration excerpt the question is about. */
export interface Snippet {
  language: string;
  code: string;
  caption?: string;
}

/** Result of `llmops.openExercise`; never holds the right answer. */
export interface Exercise {
  id: string;
  title: string;
  term: string;
  termName: string;
  scenario: string;
  question: string;
  /** Course: in the order to show them (shuffled by the server); ids stay stable. */
  choices: Choice[];
  completed: boolean;
  number: number | null;
  total: number;
  /** Sent by older servers with the exercise; now with the first answer. Shown only after it. */
  vocabulary?: VocabularyEntry[];
  /** Course: the module the exercise belongs to. */
  module?: ModuleRef;
  /** Where it was opened from, when from a hint. */
  origin?: Origin;
  /** The code the question is about. */
  snippet?: Snippet;
}

/** Course: `why` maps a choice id to why that choice is right or wrong. */
export type Why = Record<string, string>;

/**
 * Result of `llmops.answerExercise`. After a wrong answer the course contract
 * gives `why` for the chosen choice only and no `rightChoice`; an older server
 * still sends `rightChoice`, which the page then ignores.
 */
export interface AnswerResult {
  correct: boolean;
  explanation?: string;
  rightChoice?: string;
  chosen: string;
  progress: { completed: number; total: number };
  nextExerciseId: string | null;
  why?: Why;
  /** The key vocabulary, shown from the first answer on. */
  vocabulary?: VocabularyEntry[];
}

/** Course: result of `llmops.revealAnswer`. */
export interface Revealed {
  rightChoice: string;
  /** Where Next goes after a reveal (the client fills it in; null: none open). */
  nextExerciseId?: string | null;
  why?: Why;
  explanation?: string;
  vocabulary?: VocabularyEntry[];
}

/** One row of `llmops.listExercises`. */
export interface ExerciseSummary {
  id: string;
  title: string;
  term: string;
  termName: string;
  completed: boolean;
  attempts: number;
  /** Course: the exercise's module. */
  module?: ModuleRef;
}

/** Course: one module's standing in `llmops.progress`. */
export interface ModuleProgress {
  id: string;
  name: string;
  completed: number;
  total: number;
}

/** A term's state as the server reports it (`due`: review due). */
export type TermState = 'new' | 'learning' | 'due' | 'known';

/** Result of `llmops.progress`. */
export interface Progress {
  completed: number;
  total: number;
  known: number;
  due: number;
  /** Term id → state, for every term that is not new. */
  terms: Record<string, string>;
  /** Course: per-module standing, in course order. */
  modules?: ModuleProgress[];
}

/**
 * Result of `llmops.termPage [{"termId": id}]`: one term's entry, for the
 * rendered term page. Only `id`, `name` and `definition` are required; the
 * page shows whatever else is there.
 */
export interface TermPage {
  id: string;
  name: string;
  definition: string;
  aliases?: string[];
  /** Usage sentences (`examples` in the pack). */
  examples?: string[];
  /** Phrases the team avoids for this term. */
  avoid?: string[];
  module?: ModuleRef;
  state?: string;
  related?: { id: string; name: string; summary?: string }[];
  exercises?: { id: string; title: string; completed?: boolean; attempts?: number; module?: ModuleRef }[];
}

/** What the exercise page keeps with `setState` (and what a reload restores). */
export interface PageState {
  exercise: Exercise;
  /** Which showing of an exercise this is: a new showing starts fresh, the same one is restored. */
  seq: number;
  /** Choice ids answered wrong so far in this sitting, in order. */
  wrong: string[];
  /** Why each wrong choice was wrong, as the server said. */
  why: Why;
  /** Set once the exercise is solved or revealed. */
  outcome?: {
    kind: 'correct' | 'revealed';
    rightChoice: string;
    why: Why;
    explanation: string;
    nextExerciseId: string | null;
  };
  /** The key vocabulary, once an answer or the reveal brought it. */
  vocabulary?: VocabularyEntry[];
  /** The module line under the title, e.g. "Latency: 4 of 12 exercises done". */
  moduleLine?: string;
  /** The course line, e.g. "3 of 100 exercises completed". */
  courseLine?: string;
}

/** Page → extension. `ready` asks for the current exercise once the script runs. */
export type FromPage =
  | { type: 'ready' }
  | { type: 'answer'; exerciseId: string; choice: string }
  | { type: 'reveal'; exerciseId: string }
  | { type: 'next'; exerciseId: string }
  /** Go back to the line the exercise was opened from (the current exercise's `origin`). */
  | { type: 'openOrigin' };

/** Extension → page. */
export type ToPage =
  | { type: 'exercise'; exercise: Exercise; seq: number; moduleLine?: string }
  | { type: 'result'; result: AnswerResult; moduleLine?: string; courseLine?: string }
  | { type: 'revealed'; exerciseId: string; revealed: Revealed }
  | { type: 'error'; message: string };
