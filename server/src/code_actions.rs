//! `textDocument/codeAction`: first the fix of each avoided phrase under
//! the cursor ("Say 'prompt registry'", a preferred quick fix replacing it
//! with the team's word); then for each term under the cursor, "Learn: ..."
//! (opens its exercise) then "I know this term" or "Show hints again", and
//! after them the two ignore-comment insertions. Always in that order, so a
//! menu's numbers do not move; "show every known term again" is a command
//! (`llmops.forgetKnown` with no argument), not an entry in every menu.
//!
//! Learn is what a learner who presses Ctrl+. then Enter gets: it comes
//! first and is the one preferred action (VS Code sorts preferred actions
//! first and focuses the first item). Nothing that edits the file is a
//! `quickfix`: VS Code lists quick fixes above every other kind, so an
//! ignore-comment quick fix would sit first and Enter would write it into
//! the file (issue 23, item 1). Every action therefore has a kind of our
//! own ([`LEARN_KIND`], [`KNOWN_KIND`], [`IGNORE_KIND`]): auto-fix mappings
//! (VS Code's `editor.action.autoFix`, Neovim's `code_action({ context = {
//! only = { "quickfix" } }, apply = true })`) find nothing to apply, and the
//! full menu lists them all in this order.
//!
//! Requests a client makes on its own (`triggerKind: Automatic`, VS Code's
//! lightbulb on every cursor move) get no actions, so no lightbulb sits on
//! every line with a term; asking (Ctrl+., a hover's "Quick Fix") gets them.

use std::collections::{BTreeSet, HashMap};

use llmops_core::learning::TermState;
use llmops_core::policy::{Learner, comment_for};
use llmops_core::{Hit, course};
use serde::Serialize;
use tower_lsp_server::ls_types::*;

use llmops_core::text::Encoding;

use crate::convert::{range_to_span, span_to_range, to_lsp, uri_key};
use crate::origin;
use crate::protocol::{FORGET_KNOWN, MARK_KNOWN, OPEN_EXERCISE, OpenExerciseArgs, TermArgs};
use crate::publish::AVOID_PREFIX;
use crate::state::{OpenDoc, State};
use llmops_core::matcher::case_style::in_style_of;
use llmops_core::text::visible_controls;

/// Kind of "Learn: ..." (opens an exercise).
pub const LEARN_KIND: &str = "llmops.learn";
/// Kind of "I know this term" and "Show hints for ... again".
pub const KNOWN_KIND: &str = "llmops.known";
/// Kind of the ignore-comment insertions (terms and practices): not
/// `quickfix`, which VS Code would list above Learn.
pub const IGNORE_KIND: &str = "llmops.ignore";

fn command(title: String, name: &str, argument: impl Serialize) -> Command {
    Command {
        title,
        command: name.into(),
        arguments: Some(vec![serde_json::to_value(argument).unwrap_or_default()]),
    }
}

pub fn code_actions(state: &State, params: &CodeActionParams) -> Option<CodeActionResponse> {
    if params.context.trigger_kind == Some(CodeActionTriggerKind::AUTOMATIC) {
        return Some(Vec::new());
    }
    let mut actions = menu(state, params)?;
    if let Some(only) = &params.context.only {
        actions.retain(|a| wanted(a, only));
    }
    prefer_first_learn(&mut actions);
    Some(actions)
}

/// Marks the first Learn action preferred (at most one is): the action
/// Ctrl+. then Enter runs.
fn prefer_first_learn(actions: &mut [CodeActionOrCommand]) {
    let learn = actions.iter_mut().find_map(|a| match a {
        CodeActionOrCommand::CodeAction(action)
            if action.kind.as_ref().map(CodeActionKind::as_str) == Some(LEARN_KIND) =>
        {
            Some(action)
        }
        _ => None,
    });
    if let Some(learn) = learn {
        learn.is_preferred = Some(true);
    }
}

/// Every action for the cursor, in menu order, before `only` filtering.
fn menu(state: &State, params: &CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let hits = open
        .doc
        .hits_in(range_to_span(params.range), state.encoding);
    // Practices under the cursor: their Learn, known and ignore actions
    // come after the terms' learning actions (see `practices.rs`).
    let practice_actions =
        crate::practices::code_actions(state, open, &params.text_document.uri, params.range);
    // "Add '...' to the team pack" comes last, after everything else. Not
    // for a bare cursor on a practice: the menu is about that practice, and
    // the word there is code (`OpenAI`), not vocabulary; a selection still
    // gets it.
    let on_practice = !practice_actions.is_empty() && params.range.start == params.range.end;
    let author = (!on_practice)
        .then(|| {
            crate::authoring::add_term_action(state, open, &params.text_document.uri, params.range)
        })
        .flatten();
    if hits.is_empty() {
        let mut actions = practice_actions;
        actions.extend(author);
        return Some(actions);
    }
    let content = &open.content;
    let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
    let mut actions = avoid_fixes(state, open, &params.text_document.uri, &hits, params);
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
        let name = crate::render::shown_name(term);
        if let Some(exercise) = course::least_recently_seen(content, &state.progress, &term.id) {
            let title = match content.exercise_number(&exercise.id) {
                Some(number) => format!(
                    "Learn: {} (exercise {number} of {})",
                    name,
                    content.exercises.len()
                ),
                None => format!("Learn: {name} (a question from the glossary)"),
            };
            let from = origin::of_hit(
                &params.text_document.uri,
                open,
                hit,
                &state.roots,
                state.encoding,
            );
            let args = OpenExerciseArgs {
                exercise_id: Some(exercise.id.clone()),
                term_id: None,
                from: serde_json::to_value(from).ok(),
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::new(LEARN_KIND)),
                diagnostics: diagnostics.clone(),
                command: Some(command(title, OPEN_EXERCISE, args)),
                is_preferred: Some(false),
                ..Default::default()
            }));
        }
        let known = learner.state(&term.id) == TermState::Known;
        let (title, name) = if known {
            (format!("Show hints for {name} again"), FORGET_KNOWN)
        } else {
            (format!("I know this term: {name}"), MARK_KNOWN)
        };
        let args = TermArgs {
            term_id: Some(term.id.clone()),
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::new(KNOWN_KIND)),
            diagnostics,
            command: Some(command(title, name, args)),
            is_preferred: Some(false),
            ..Default::default()
        }));
    }
    actions.extend(practice_actions);
    actions.extend(ignore_actions(
        open,
        &params.text_document.uri,
        &hits,
        state.encoding,
    ));
    actions.extend(author);
    Some(actions)
}

/// The quick fix of each avoided phrase under the cursor: replace it with
/// the term's name, in the phrase's case style (`prompt_store` becomes
/// `prompt_registry`). Preferred, so an editor's auto-fix applies it.
fn avoid_fixes(
    state: &State,
    open: &OpenDoc,
    uri: &Uri,
    hits: &[Hit],
    params: &CodeActionParams,
) -> Vec<CodeActionOrCommand> {
    let avoided: Vec<Hit> = hits.iter().filter(|h| h.avoided).copied().collect();
    let spans = open.doc.spans(&avoided, state.encoding);
    let text = open.doc.text();
    avoided
        .iter()
        .zip(spans)
        .filter_map(|(hit, span)| {
            let term = open.content.terms.get(hit.term as usize)?;
            let found = &text[hit.start()..hit.end()];
            let replacement = in_style_of(found, &term.name);
            let code = NumberOrString::String(format!("{AVOID_PREFIX}{}", term.id));
            let related: Vec<Diagnostic> = params
                .context
                .diagnostics
                .iter()
                .filter(|d| d.code.as_ref() == Some(&code))
                .cloned()
                .collect();
            let title = format!("Say '{}' (team vocabulary)", visible_controls(&replacement));
            let mut changes = HashMap::new();
            changes.insert(
                uri.clone(),
                vec![TextEdit {
                    range: span_to_range(span),
                    new_text: replacement,
                }],
            );
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!related.is_empty()).then_some(related),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }))
        })
        .collect()
}

/// Whether an action's kind is one of `only` or under one of them
/// (`quickfix` covers `quickfix.x`), as a client asking for some kinds
/// expects.
fn wanted(action: &CodeActionOrCommand, only: &[CodeActionKind]) -> bool {
    let CodeActionOrCommand::CodeAction(action) = action else {
        return false;
    };
    let Some(kind) = &action.kind else {
        return false;
    };
    only.iter().any(|want| {
        let (kind, want) = (kind.as_str(), want.as_str());
        want.is_empty()
            || kind == want
            || kind
                .strip_prefix(want)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Whether a same-line ignore comment leaves the rendered document as it
/// is: an HTML comment at the end of a Markdown (or HTML) line is inline and
/// invisible, where a line of its own between two list items would end the
/// list in some renderers. In code an end-of-line comment could land inside
/// a string, so code gets `ignore-next-line` above the line.
pub(crate) fn ignores_on_same_line(language: &str) -> bool {
    comment_for(language, "").starts_with("<!--")
}

/// Code actions that silence the first hit's line (`llmops: ignore` at its
/// end, or `llmops: ignore-next-line` above it) or the whole file
/// (`llmops: ignore-file` at the top).
fn ignore_actions(
    open: &OpenDoc,
    uri: &Uri,
    hits: &[Hit],
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let Some(first) = hits.first() else {
        return Vec::new();
    };
    let doc = &open.doc;
    let text = doc.text();
    let line = doc.lines().line_of(first.start());
    let (line_start, line_end) = doc.lines().line_content(text, line).unwrap_or((0, 0));
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    // The line's own ending (the one before it on the last line): looking
    // it up costs nothing, where searching the document would on every
    // cursor move.
    let crlf = match &text[line_end..] {
        "" => text[..line_start].ends_with("\r\n"),
        rest => rest.starts_with("\r\n"),
    };
    let newline = if crlf { "\r\n" } else { "\n" };
    let edit = |title: &str, at: Position, new_text: String| {
        let mut changes = HashMap::new();
        changes.insert(
            uri.clone(),
            vec![TextEdit {
                range: Range::new(at, at),
                new_text,
            }],
        );
        CodeActionOrCommand::CodeAction(CodeAction {
            title: title.into(),
            kind: Some(CodeActionKind::new(IGNORE_KIND)),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            is_preferred: Some(false),
            ..Default::default()
        })
    };
    let this_line = if ignores_on_same_line(&open.language) {
        let content = &text[line_start..line_end];
        let trimmed = content.trim_end();
        let at = doc
            .lines()
            .position(text, line_start + trimmed.len(), encoding);
        edit(
            "Ignore LLMOps terms on this line",
            to_lsp(at),
            format!(" {}", comment_for(&open.language, "llmops: ignore")),
        )
    } else {
        edit(
            "Ignore LLMOps terms on this line",
            Position::new(line as u32, 0),
            format!(
                "{indent}{}{newline}",
                comment_for(&open.language, "llmops: ignore-next-line")
            ),
        )
    };
    let file_line = if text.starts_with("#!") { 1 } else { 0 };
    vec![
        this_line,
        edit(
            "Ignore LLMOps terms in this file",
            Position::new(file_line, 0),
            format!(
                "{}{newline}",
                comment_for(&open.language, "llmops: ignore-file")
            ),
        ),
    ]
}
