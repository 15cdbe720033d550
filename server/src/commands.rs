//! `workspace/executeCommand` commands (the contract the editor shims use),
//! code actions and inlay hints.

use std::collections::BTreeSet;

use llmops_core::course;
use llmops_core::document::Span;
use llmops_core::learning::{TermState, term_state};
use llmops_core::{Hit, clock};
use serde_json::{Value, json};
use tower_lsp_server::ls_types::*;

use crate::backend::{State, from_lsp, span_to_range, standing_json, uri_key};
use crate::ignore_comments::comment_for;

pub const OPEN_EXERCISE: &str = "llmops.openExercise";
pub const ANSWER_EXERCISE: &str = "llmops.answerExercise";
pub const LIST_EXERCISES: &str = "llmops.listExercises";
pub const PROGRESS: &str = "llmops.progress";
pub const MARK_KNOWN: &str = "llmops.markKnown";
pub const FORGET_KNOWN: &str = "llmops.forgetKnown";
#[cfg(feature = "test-hooks")]
pub const DEBUG_PANIC: &str = "llmops.debug.panic";

pub const ALL: &[&str] = &[
    OPEN_EXERCISE,
    ANSWER_EXERCISE,
    LIST_EXERCISES,
    PROGRESS,
    MARK_KNOWN,
    FORGET_KNOWN,
    #[cfg(feature = "test-hooks")]
    DEBUG_PANIC,
];

pub struct CommandResult {
    pub value: Value,
    /// The learner's state changed: diagnostics must be recomputed.
    pub changed_learning: bool,
}

fn done(value: Value) -> Result<CommandResult, String> {
    Ok(CommandResult {
        value,
        changed_learning: false,
    })
}

/// The single object argument of a command, if given.
fn object_arg<'a>(
    command: &str,
    args: &'a [Value],
    usage: &str,
) -> Result<&'a serde_json::Map<String, Value>, String> {
    args.first()
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{command} expects arguments {usage}"))
}

fn string_field<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

pub fn execute(state: &mut State, command: &str, args: &[Value]) -> Result<CommandResult, String> {
    let content = state.content.clone();
    match command {
        OPEN_EXERCISE => {
            let usage = r#"[{"exerciseId": "<id>"}] or [{"termId": "<id>"}]"#;
            let map = object_arg(command, args, usage)?;
            let exercise_id = string_field(map, "exerciseId")?;
            let term_id = string_field(map, "termId")?;
            if exercise_id.is_none() && term_id.is_none() {
                return Err(format!("{command} expects arguments {usage}"));
            }
            state.progress.refresh();
            let exercise =
                course::find(&content, exercise_id, term_id).map_err(|e| e.to_string())?;
            let view = course::view(&content, state.progress.data(), exercise);
            done(serde_json::to_value(view).map_err(|e| e.to_string())?)
        }
        ANSWER_EXERCISE => {
            let usage = r#"[{"exerciseId": "<id>", "choice": "<choice id>"}]"#;
            let map = object_arg(command, args, usage)?;
            let exercise_id = string_field(map, "exerciseId")?
                .ok_or_else(|| format!("{command} expects arguments {usage}"))?;
            let choice = match map.get("choice") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(format!("{command} expects arguments {usage}")),
            };
            let exercise =
                course::find(&content, Some(exercise_id), None).map_err(|e| e.to_string())?;
            let (answer, notice) = course::answer(
                &content,
                &mut state.progress,
                exercise,
                &choice,
                clock::now(),
            )
            .map_err(|e| e.to_string())?;
            if let Some(notice) = notice {
                state.notices.push((MessageType::WARNING, notice.0));
            }
            Ok(CommandResult {
                value: serde_json::to_value(answer).map_err(|e| e.to_string())?,
                changed_learning: true,
            })
        }
        LIST_EXERCISES => {
            state.progress.refresh();
            done(
                serde_json::to_value(course::list(&content, state.progress.data()))
                    .map_err(|e| e.to_string())?,
            )
        }
        PROGRESS => {
            state.progress.refresh();
            done(standing_json(state))
        }
        MARK_KNOWN | FORGET_KNOWN => {
            let term_id = match args.first() {
                None => None,
                Some(Value::Object(map)) => string_field(map, "termId")?,
                Some(_) => {
                    return Err(format!(
                        r#"{command} expects arguments [{{"termId": "<id>"}}]"#
                    ));
                }
            };
            let term_id = term_id.map(str::to_string);
            if let Some(id) = &term_id
                && content.term(id).is_none()
            {
                return Err(format!("unknown term id `{id}`"));
            }
            if command == MARK_KNOWN && term_id.is_none() {
                return Err(format!(
                    r#"{command} expects arguments [{{"termId": "<id>"}}]"#
                ));
            }
            let mark = command == MARK_KNOWN;
            let notice = state.progress.update(|data| match &term_id {
                Some(id) if mark => {
                    data.known_terms.insert(id.clone());
                }
                Some(id) => {
                    data.known_terms.remove(id);
                }
                None => data.known_terms.clear(),
            });
            if let Some(notice) = notice {
                state.notices.push((MessageType::WARNING, notice.0));
            }
            Ok(CommandResult {
                value: standing_json(state),
                changed_learning: true,
            })
        }
        #[cfg(feature = "test-hooks")]
        DEBUG_PANIC => panic!("debug panic requested by a test"),
        other => Err(format!(
            "unknown command `{other}`; known commands: {}",
            ALL.join(", ")
        )),
    }
}

fn command(title: String, name: &str, argument: Value) -> Command {
    Command {
        title,
        command: name.into(),
        arguments: Some(vec![argument]),
    }
}

pub fn code_actions(state: &State, params: &CodeActionParams) -> Option<CodeActionResponse> {
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let span = Span {
        start: from_lsp(params.range.start),
        end: from_lsp(params.range.end),
    };
    let hits = open.doc.hits_in(span, state.encoding);
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
        if let Some(exercise) = term.exercise.as_deref().and_then(|id| content.exercise(id)) {
            let number = content.exercise_number(&exercise.id).unwrap_or(0);
            let title = format!(
                "Learn: {} (exercise {number} of {})",
                term.name,
                content.exercises.len()
            );
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: diagnostics.clone(),
                command: Some(command(
                    title,
                    super::commands::OPEN_EXERCISE,
                    json!({"exerciseId": exercise.id}),
                )),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
        let known = term_state(state.progress.data(), &term.id, state.settings.mastery, now)
            == TermState::Known;
        let (title, name) = if known {
            (format!("Show hints for {} again", term.name), FORGET_KNOWN)
        } else {
            (format!("I know this term: {}", term.name), MARK_KNOWN)
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics,
            command: Some(command(title, name, json!({"termId": term.id}))),
            ..Default::default()
        }));
    }
    if !state.progress.data().known_terms.is_empty() {
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
    actions.extend(ignore_actions(state, &params.text_document.uri, &hits));
    Some(actions)
}

/// Code actions that insert `llmops: ignore-next-line` above the first hit's
/// line, or `llmops: ignore-file` at the top.
fn ignore_actions(state: &State, uri: &Uri, hits: &[Hit]) -> Vec<CodeActionOrCommand> {
    let Some(open) = state.docs.get(&uri_key(uri)) else {
        return Vec::new();
    };
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
        let mut changes = std::collections::HashMap::new();
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

/// Inlay hints that expand acronyms: `TTFT` shows `: time to first token`.
pub fn inlay_hints(state: &State, params: &InlayHintParams) -> Option<Vec<InlayHint>> {
    if !state.settings.inlay_hints {
        return Some(Vec::new());
    }
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let span = Span {
        start: from_lsp(params.range.start),
        end: from_lsp(params.range.end),
    };
    let doc = &open.doc;
    let hits: Vec<Hit> = doc
        .hits_in(span, state.encoding)
        .into_iter()
        .filter(|h| {
            let text = &doc.text()[h.start..h.end];
            text.len() >= 2
                && text
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .collect();
    let spans = doc.spans(&hits, state.encoding);
    Some(
        hits.iter()
            .zip(spans)
            .filter_map(|(hit, span)| {
                let term = state.content.terms.get(hit.term as usize)?;
                if doc.text()[hit.start..hit.end].eq_ignore_ascii_case(&term.name) {
                    return None;
                }
                Some(InlayHint {
                    position: span_to_range(span).end,
                    label: InlayHintLabel::String(format!(": {}", term.name.to_lowercase())),
                    kind: None,
                    text_edits: None,
                    tooltip: Some(InlayHintTooltip::String(term.summary().to_string())),
                    padding_left: Some(false),
                    padding_right: Some(true),
                    data: None,
                })
            })
            .collect(),
    )
}
