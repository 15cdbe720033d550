//! Practices in the editor: each open document's practice hits kept up to
//! date edit by edit, the findings the shared policy lets through
//! ([`llmops_core::practice::policy`]) as diagnostics with their own code
//! (`practice:<rule id>`) and `data`, their hover, and their code actions
//! (Learn, "Ignore this practice here", "I know this practice").
//!
//! Cost of a keystroke: the lines the edit touched go through the rules'
//! one `RegexSet` (a rule looks at one line: N = 0 lines around a match),
//! and the hits after the edit move by its length; see
//! [`llmops_core::practice::hits`].

use std::collections::HashMap;

use llmops_core::Content;
use llmops_core::document::{Change, Document};
use llmops_core::learning::TermState;
use llmops_core::policy::{Learner, Options, comment_for};
use llmops_core::practice::hits::DocPractices;
use llmops_core::practice::policy::{PracticeFinding, practice_findings};
use llmops_core::practice::{KNOWN_PREFIX, Practice, PracticeSeverity};
use llmops_core::text::Encoding;
use tower_lsp_server::ls_types::*;

use crate::code_actions::{IGNORE_KIND, KNOWN_KIND, LEARN_KIND};
use crate::convert::{from_lsp, severity, to_lsp};
use crate::diagnostics_json::{DiagnosticsJson, Tail};
use crate::protocol::{
    FORGET_KNOWN, MARK_KNOWN, OPEN_EXERCISE, OpenExerciseArgs, PracticeDiagnosticData, TermArgs,
};
use crate::render::{self, HOVER_WIDTH, escape_markdown, wrap_paragraph};
use crate::state::{OpenDoc, State};

/// Prefix of a practice diagnostic's `code`: `practice:<rule id>`.
pub const CODE_PREFIX: &str = "practice:";

/// A document's practice hits: `None` while it is too large to scan.
pub type Hits = Option<DocPractices>;

/// The hits of a whole text, or `None` when it is over the size limit.
///
/// With the `practices` setting at `"off"` nothing is matched at all, so
/// a keystroke pays nothing for rules it will not show.
pub fn scanned(content: &Content, text: &str, language: &str, policy: &Options) -> Hits {
    (policy.practices.practices() && text.len() as u64 <= policy.max_file_bytes)
        .then(|| DocPractices::scanned(&content.practices, text, language))
}

/// Rescans one open document (content or settings changed).
pub fn rescan(open: &mut OpenDoc, content: &Content, policy: &Options) {
    open.practices = scanned(content, open.doc.text(), &open.language, policy);
}

/// The byte range a change replaces in the text before it applies, as
/// [`Document::apply`] reads it; `None` for a whole new text.
pub fn replaced_range(
    doc: &Document,
    change: &Change,
    encoding: Encoding,
) -> Option<(usize, usize)> {
    let range = change.range?;
    let text = doc.text();
    let offset = |p| doc.lines().offset(text, p, encoding).unwrap_or(text.len());
    let (a, b) = (offset(range.start), offset(range.end));
    Some((a.min(b), a.max(b)))
}

/// Brings the hits up to date after `change` applied over `replaced` (from
/// [`replaced_range`], taken before it applied).
pub fn changed(
    open: &mut OpenDoc,
    replaced: Option<(usize, usize)>,
    inserted: usize,
    content: &Content,
    policy: &Options,
) {
    let text = open.doc.text();
    if !policy.practices.practices() || text.len() as u64 > policy.max_file_bytes {
        open.practices = None;
        return;
    }
    match (&mut open.practices, replaced) {
        (Some(hits), Some((start, end))) => hits.edited(
            &content.practices,
            text,
            open.doc.lines(),
            start,
            end - start,
            inserted,
            &open.language,
        ),
        _ => rescan(open, content, policy),
    }
}

/// The practice findings the policy shows in a document, at most `max`.
pub fn shown(
    state: &State,
    open: &OpenDoc,
    learner: &Learner<'_>,
    max: usize,
) -> Vec<PracticeFinding> {
    let Some(hits) = &open.practices else {
        return Vec::new();
    };
    if severity(state.settings.severity).is_none() || crate::publish::excluded(state, open) {
        return Vec::new();
    }
    let doc = &open.doc;
    practice_findings(
        open.policy_ref(&[]),
        hits.hits(),
        doc.llm_project(),
        &open.content.practices,
        learner,
        &state.settings.policy,
        max,
    )
}

fn rule_severity(rule: &Practice) -> DiagnosticSeverity {
    match rule.severity {
        PracticeSeverity::Hint => DiagnosticSeverity::HINT,
        PracticeSeverity::Information => DiagnosticSeverity::INFORMATION,
        PracticeSeverity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// The exercise a practice's Learn opens: its own, else its term's.
fn exercise_of<'c>(content: &'c Content, rule: &'c Practice) -> Option<&'c str> {
    rule.exercise
        .as_deref()
        .filter(|id| content.exercise(id).is_some())
        .or_else(|| content.exercise_for_term(&rule.term).map(|e| e.id.as_str()))
}

/// Diagnostics for practice findings, appended to `out`: code
/// `practice:<id>`, the rule's severity and message, and `data` naming the
/// practice, its term and the exercise Learn opens. Serialized once per
/// rule; positions found in one sweep.
pub fn diagnostics(
    state: &State,
    open: &OpenDoc,
    found: &[PracticeFinding],
    out: &mut DiagnosticsJson,
) {
    let content = &open.content;
    let doc = &open.doc;
    let offsets: Vec<usize> = found
        .iter()
        .flat_map(|f| [f.hit.start, f.hit.end])
        .collect();
    // Findings come in text order; a sweep that meets an offset behind it
    // (overlapping rules) starts that line again, so any order is right.
    let positions = doc
        .lines()
        .positions_sorted(doc.text(), &offsets, state.encoding);
    let mut tails: HashMap<u32, Tail> = HashMap::new();
    for (f, at) in found.iter().zip(positions.chunks_exact(2)) {
        let Some(rule) = content.practices.rules.get(f.hit.rule as usize) else {
            continue;
        };
        let tail = tails.entry(f.hit.rule).or_insert_with(|| {
            let data = PracticeDiagnosticData {
                kind: "practice".into(),
                practice_id: rule.id.clone(),
                term_id: rule.term.clone(),
                exercise_id: exercise_of(content, rule).map(str::to_string),
            };
            Tail::new(
                rule_severity(rule),
                &format!("{CODE_PREFIX}{}", rule.id),
                &format!("{} [{}]", rule.message, rule.id),
                &data,
            )
        });
        out.push(Range::new(to_lsp(at[0]), to_lsp(at[1])), tail);
    }
}

/// The shown practice finding under an editor position, if any.
fn finding_at(state: &State, open: &OpenDoc, at: Position) -> Option<PracticeFinding> {
    let offset = open
        .doc
        .lines()
        .offset(open.doc.text(), from_lsp(at), state.encoding)?;
    let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
    shown(state, open, &learner, usize::MAX)
        .into_iter()
        .find(|f| f.hit.start <= offset && offset <= f.hit.end)
}

/// The hover over a practice finding: what the practice is and why it
/// matters (its message), and the lesson it opens.
pub fn hover(state: &State, open: &OpenDoc, at: Position) -> Option<Hover> {
    let found = finding_at(state, open, at)?;
    let content = &open.content;
    let rule = content.practices.rules.get(found.hit.rule as usize)?;
    let term = content.term(&rule.term)?;
    let shown = |text: &str| escape_markdown(&llmops_core::text::visible_controls(text));
    let mut md = vec![
        wrap_paragraph(
            &format!("**{}** · practice `{}`", shown(&rule.name), shown(&rule.id)),
            HOVER_WIDTH,
        ),
        wrap_paragraph(&escape_markdown(&rule.message), HOVER_WIDTH),
        "---".to_string(),
    ];
    let name = render::shown_name(term);
    let lesson = match exercise_of(content, rule) {
        Some(exercise) if state.client.command_links => {
            render::command_link("Learn", OPEN_EXERCISE, "exerciseId", exercise)
        }
        Some(_) => format!("use the code action **Learn: {name}**"),
        None => String::new(),
    };
    md.push(wrap_paragraph(
        &format!("Lesson: *{}* · {lesson}", escape_markdown(&name)),
        HOVER_WIDTH,
    ));
    let text = open.doc.text();
    let start = open
        .doc
        .lines()
        .position(text, found.hit.start, state.encoding);
    let end = open
        .doc
        .lines()
        .position(text, found.hit.end, state.encoding);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md.join("\n\n"),
        }),
        range: Some(Range::new(to_lsp(start), to_lsp(end))),
    })
}

/// Code actions for the practice findings in `range`: "Learn: …" (opens
/// the practice's exercise), "I know this practice" (or "Show this
/// practice again"), and "Ignore this practice here" (see [`ignore_here`]).
/// Kinds as for terms: none is `quickfix`; the first Learn is preferred
/// (see `code_actions.rs`).
pub fn code_actions(
    state: &State,
    open: &OpenDoc,
    uri: &Uri,
    range: Range,
) -> Vec<CodeActionOrCommand> {
    let text = open.doc.text();
    let lines = open.doc.lines();
    let Some(from) = lines.offset(text, from_lsp(range.start), state.encoding) else {
        return Vec::new();
    };
    let to = lines
        .offset_clamped(text, from_lsp(range.end), state.encoding)
        .max(from);
    let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
    let content = &open.content;
    let mut actions = Vec::new();
    let mut seen = Vec::new();
    for found in shown(state, open, &learner, usize::MAX) {
        if found.hit.end < from || found.hit.start > to || seen.contains(&found.hit.rule) {
            continue;
        }
        seen.push(found.hit.rule);
        let Some(rule) = content.practices.rules.get(found.hit.rule as usize) else {
            continue;
        };
        // Titles are plain text, not Markdown.
        let name = llmops_core::text::visible_controls(&rule.name);
        if let Some(exercise) = exercise_of(content, rule) {
            let title = format!("Learn: {name}");
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::new(LEARN_KIND)),
                command: Some(command(
                    title,
                    OPEN_EXERCISE,
                    OpenExerciseArgs {
                        exercise_id: Some(exercise.to_string()),
                        term_id: None,
                        // "From your file": the practice's spot, as for
                        // a term hint.
                        from: serde_json::to_value(crate::origin::of_span(
                            uri,
                            open,
                            found.hit.start,
                            found.hit.end,
                            &state.roots,
                            state.encoding,
                        ))
                        .ok(),
                    },
                )),
                is_preferred: Some(false),
                ..Default::default()
            }));
        }
        let (title, name_of) = if learner.state(&rule.known_key()) == TermState::Known {
            (format!("Show this practice again: {name}"), FORGET_KNOWN)
        } else {
            (format!("I know this practice: {name}"), MARK_KNOWN)
        };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::new(KNOWN_KIND)),
            command: Some(command(
                title,
                name_of,
                TermArgs {
                    term_id: Some(rule.known_key()),
                },
            )),
            is_preferred: Some(false),
            ..Default::default()
        }));
        actions.push(ignore_here(state, open, uri, found.hit.start, &rule.id));
    }
    actions
}

fn command(title: String, name: &str, argument: impl serde::Serialize) -> Command {
    Command {
        title,
        command: name.into(),
        arguments: Some(vec![serde_json::to_value(argument).unwrap_or_default()]),
    }
}

/// "Ignore this practice here": the existing markers with the rule id
/// after them (it says why the marker is there): `llmops: ignore-next-line
/// <rule id>` above the line, as the term action does in code, or
/// `llmops: ignore <rule id>` at its end where comments are `<!-- -->`.
fn ignore_here(
    state: &State,
    open: &OpenDoc,
    uri: &Uri,
    at: usize,
    id: &str,
) -> CodeActionOrCommand {
    let doc = &open.doc;
    let text = doc.text();
    let line = doc.lines().line_of(at);
    let (line_start, line_end) = doc.lines().line_content(text, line).unwrap_or((0, 0));
    let (position, new_text) = if crate::code_actions::ignores_on_same_line(&open.language) {
        let trimmed = text[line_start..line_end].trim_end();
        let end = doc
            .lines()
            .position(text, line_start + trimmed.len(), state.encoding);
        (
            to_lsp(end),
            format!(
                " {}",
                comment_for(&open.language, &format!("llmops: ignore {id}"))
            ),
        )
    } else {
        let indent: String = text[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        let newline = if text[line_end..].starts_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        (
            Position::new(line as u32, 0),
            format!(
                "{indent}{}{newline}",
                comment_for(&open.language, &format!("llmops: ignore-next-line {id}"))
            ),
        )
    };
    let mut changes = HashMap::new();
    changes.insert(
        uri.clone(),
        vec![TextEdit {
            range: Range::new(position, position),
            new_text,
        }],
    );
    CodeActionOrCommand::CodeAction(CodeAction {
        title: "Ignore this practice here".into(),
        kind: Some(CodeActionKind::new(IGNORE_KIND)),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }),
        is_preferred: Some(false),
        ..Default::default()
    })
}

/// Whether `id` names a practice among the learner's known terms
/// (`practice:<id>`), for `llmops.markKnown` and `llmops.forgetKnown`.
pub fn is_known_key(content: &Content, id: &str) -> bool {
    id.strip_prefix(KNOWN_PREFIX)
        .is_some_and(|rule| content.practices.get(rule).is_some())
}
