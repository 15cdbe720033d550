//! `textDocument/codeAction`: for each term under the cursor, "Learn: ..."
//! (opens its exercise), "I know this term" or "Show hints again", and the
//! two ignore-comment insertions.

use std::collections::{BTreeSet, HashMap};

use llmops_core::learning::{TermState, term_state};
use llmops_core::policy::comment_for;
use llmops_core::{Hit, clock, course};
use serde::Serialize;
use tower_lsp_server::ls_types::*;

use crate::convert::{range_to_span, uri_key};
use crate::protocol::{FORGET_KNOWN, MARK_KNOWN, OPEN_EXERCISE, OpenExerciseArgs, TermArgs};
use crate::state::{OpenDoc, State};

fn command(title: String, name: &str, argument: impl Serialize) -> Command {
    Command {
        title,
        command: name.into(),
        arguments: Some(vec![serde_json::to_value(argument).unwrap_or_default()]),
    }
}

pub fn code_actions(state: &State, params: &CodeActionParams) -> Option<CodeActionResponse> {
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let hits = open
        .doc
        .hits_in(range_to_span(params.range), state.encoding);
    if hits.is_empty() {
        return Some(Vec::new());
    }
    let content = &state.content;
    let now = clock::now();
    let mut actions = Vec::new();
    let mut seen = BTreeSet::new();
    for hit in &hits {
        if !seen.insert(hit.term) {
            continue;
        }
        let Some(term) = content.terms.get(hit.term as usize) else {
            continue;
        };
        let related: Vec<Diagnostic> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| d.code == Some(NumberOrString::String(term.id.clone())))
            .cloned()
            .collect();
        let diagnostics = (!related.is_empty()).then_some(related);
        // A review opens the term's exercise seen least recently, or the
        // question generated from the glossary when it has none.
        if let Some(exercise) = course::least_recently_seen(content, &state.progress, &term.id) {
            let title = match content.exercise_number(&exercise.id) {
                Some(number) => format!(
                    "Learn: {} (exercise {number} of {})",
                    term.name,
                    content.exercises.len()
                ),
                None => format!("Learn: {} (a question from the glossary)", term.name),
            };
            let args = OpenExerciseArgs {
                exercise_id: Some(exercise.id.clone()),
                term_id: None,
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: diagnostics.clone(),
                command: Some(command(title, OPEN_EXERCISE, args)),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
        let known =
            term_state(&state.progress, &term.id, state.settings.mastery, now) == TermState::Known;
        let (title, name) = if known {
            (format!("Show hints for {} again", term.name), FORGET_KNOWN)
        } else {
            (format!("I know this term: {}", term.name), MARK_KNOWN)
        };
        let args = TermArgs {
            term_id: Some(term.id.clone()),
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics,
            command: Some(command(title, name, args)),
            ..Default::default()
        }));
    }
    if !state.progress.known_terms.is_empty() {
        let title = "Show all known terms again".to_string();
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            command: Some(Command {
                title,
                command: FORGET_KNOWN.into(),
                arguments: Some(Vec::new()),
            }),
            ..Default::default()
        }));
    }
    actions.extend(ignore_actions(open, &params.text_document.uri, &hits));
    Some(actions)
}

/// Code actions that insert `llmops: ignore-next-line` above the first hit's
/// line, or `llmops: ignore-file` at the top.
fn ignore_actions(open: &OpenDoc, uri: &Uri, hits: &[Hit]) -> Vec<CodeActionOrCommand> {
    let Some(first) = hits.first() else {
        return Vec::new();
    };
    let doc = &open.doc;
    let line = doc.lines().line_of(first.start);
    let line_start = doc.lines().line_start(line).unwrap_or(0);
    let indent: String = doc.text()[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if doc.text().contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let edit = |title: String, at_line: u32, text: String| {
        let at = Position::new(at_line, 0);
        let mut changes = HashMap::new();
        changes.insert(
            uri.clone(),
            vec![TextEdit {
                range: Range::new(at, at),
                new_text: text,
            }],
        );
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            ..Default::default()
        })
    };
    let file_line = if doc.text().starts_with("#!") { 1 } else { 0 };
    vec![
        edit(
            "Ignore LLMOps terms on this line".into(),
            line as u32,
            format!(
                "{indent}{}{newline}",
                comment_for(&open.language, "llmops: ignore-next-line")
            ),
        ),
        edit(
            "Ignore LLMOps terms in this file".into(),
            file_line,
            format!(
                "{}{newline}",
                comment_for(&open.language, "llmops: ignore-file")
            ),
        ),
    ]
}
