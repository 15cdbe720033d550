/**
 * The server's command results and the messages between the exercise
 * webview and the extension. Types only: shared by the page script, the
 * extension and the tests.
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

/** Result of `llmops.openExercise`; never holds the right answer. */
export interface Exercise {
  id: string;
  title: string;
  term: string;
  termName: string;
  scenario: string;
  question: string;
  choices: Choice[];
  completed: boolean;
  number: number;
  total: number;
  vocabulary: VocabularyEntry[];
}

/** Result of `llmops.answerExercise`. */
export interface AnswerResult {
  correct: boolean;
  explanation: string;
  rightChoice: string;
  chosen: string;
  progress: { completed: number; total: number };
  nextExerciseId: string | null;
}

/** One row of `llmops.listExercises`. */
export interface ExerciseSummary {
  id: string;
  title: string;
  term: string;
  termName: string;
  completed: boolean;
  attempts: number;
}

/** Result of `llmops.progress`. */
export interface Progress {
  completed: number;
  total: number;
  known: number;
  due: number;
  terms: Record<string, string>;
}

/** Page → extension. `ready` asks for the current exercise once the script runs. */
export type FromPage =
  | { type: 'ready' }
  | { type: 'answer'; exerciseId: string; choice: string }
  | { type: 'next'; exerciseId: string };

/** Extension → page. */
export type ToPage =
  | { type: 'exercise'; exercise: Exercise }
  | { type: 'result'; result: AnswerResult }
  | { type: 'error'; message: string };
