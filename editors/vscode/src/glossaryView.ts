/**
 * The side-bar glossary: modules, their terms with each term's state (new,
 * learning, review due, known) and the terms' exercises. Built from
 * `llmops.listExercises` and `llmops.progress` by `flow.glossary`.
 */
import * as vscode from 'vscode';
import { glossary, LIST_EXERCISES, PROGRESS, plural, stateLabel, type Execute, type GlossaryExercise, type GlossaryModule, type GlossaryTerm } from './flow';
import type { ExerciseSummary, Progress } from './webview/protocol';

type Node =
  | { kind: 'module'; module: GlossaryModule }
  | { kind: 'term'; term: GlossaryTerm }
  | { kind: 'exercise'; exercise: GlossaryExercise; term: GlossaryTerm };

const STATE_ICON: Record<string, string> = {
  new: 'circle-large-outline',
  learning: 'circle-large-filled',
  due: 'history',
  known: 'pass-filled',
};

export class GlossaryView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private modules: GlossaryModule[] = [];
  private error: string | undefined;

  constructor(private readonly execute: Execute) {}

  /** Fetches the course again and redraws the tree. */
  async refresh(): Promise<void> {
    try {
      const [list, progress] = await Promise.all([this.execute(LIST_EXERCISES, []), this.execute(PROGRESS, [])]);
      this.modules = glossary(list as ExerciseSummary[], progress as Progress);
      this.error = undefined;
    } catch (error) {
      this.modules = [];
      this.error = error instanceof Error ? error.message : String(error);
    }
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      if (this.error) return [];
      return this.modules.map((module) => ({ kind: 'module', module }));
    }
    if (node.kind === 'module') return node.module.terms.map((term) => ({ kind: 'term', term }));
    if (node.kind === 'term') return node.term.exercises.map((exercise) => ({ kind: 'exercise', exercise, term: node.term }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'module': {
        const { module } = node;
        const item = new vscode.TreeItem(module.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `module:${module.id}`;
        item.description = `${module.completed} / ${module.total}`;
        item.tooltip = `${module.name}: ${module.completed} of ${plural(module.total, 'exercise')} completed, ${plural(module.terms.length, 'term')}`;
        item.iconPath = new vscode.ThemeIcon(module.total > 0 && module.completed === module.total ? 'pass-filled' : 'book');
        item.contextValue = 'module';
        return item;
      }
      case 'term': {
        const { term } = node;
        const item = new vscode.TreeItem(
          term.name,
          term.exercises.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `term:${term.id}`;
        item.description = stateLabel(term.state);
        item.tooltip = `${term.name}: ${stateLabel(term.state)}. Click to read its entry.`;
        item.iconPath = new vscode.ThemeIcon(STATE_ICON[term.state] ?? 'circle-large-outline');
        item.contextValue = `term.${term.state}`;
        item.command = { title: 'Show term', command: 'llmops.showTerm', arguments: [{ termId: term.id }] };
        return item;
      }
      case 'exercise': {
        const { exercise } = node;
        const item = new vscode.TreeItem(exercise.title, vscode.TreeItemCollapsibleState.None);
        item.id = `exercise:${exercise.id}`;
        item.description = exercise.completed
          ? 'completed'
          : exercise.attempts > 0
            ? `${plural(exercise.attempts, 'try', 'tries')}, not solved`
            : 'not started';
        item.iconPath = new vscode.ThemeIcon(exercise.completed ? 'pass' : 'mortar-board');
        item.contextValue = 'exercise';
        item.command = { title: 'Open exercise', command: 'llmops.openExercise', arguments: [{ exerciseId: exercise.id }] };
        return item;
      }
    }
  }

  /** The message shown in place of an empty tree. */
  get message(): string | undefined {
    if (this.error) return `The glossary could not be loaded: ${this.error}`;
    return undefined;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
