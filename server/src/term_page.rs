//! `llmops.termPage`: a term's entry as data for a page a learner reads
//! (the Neovim float, the VS Code webview), where a related term in a hover
//! leads. `textDocument/definition` still opens the pack, for pack authors.

use llmops_core::content::Content;
use llmops_core::course::{self, CourseError};
use llmops_core::learning::{TermState, term_state};
use llmops_core::progress::ProgressData;
use llmops_core::text::visible_controls;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TermPage {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub definition: String,
    /// Usage sentences from the pack (`examples`), marked at load like all
    /// prose; clients set them as text.
    pub examples: Vec<String>,
    /// Phrases the team avoids for this term (`avoid`, deprecated aliases).
    pub avoid: Vec<String>,
    /// "new", "learning", "due" or "known".
    pub state: TermState,
    pub related: Vec<RelatedTerm>,
    /// Every exercise of the term, with the learner's status.
    pub exercises: Vec<course::ListEntry>,
}

#[derive(Debug, Serialize)]
pub struct RelatedTerm {
    pub id: String,
    pub name: String,
}

/// The page of term `id`, or an unknown-term error.
pub fn page(
    content: &Content,
    progress: &ProgressData,
    mastery: u32,
    now: u64,
    id: &str,
) -> Result<TermPage, CourseError> {
    let term = content
        .term(id)
        .ok_or_else(|| CourseError::UnknownTerm(id.to_string()))?;
    Ok(TermPage {
        id: term.id.clone(),
        // Names and aliases come from packs: direction overrides and
        // zero-width characters in them are shown, as in hovers
        // (definitions get their markers when the pack is loaded).
        name: visible_controls(&term.name).into_owned(),
        aliases: term
            .aliases
            .iter()
            .map(|a| visible_controls(a).into_owned())
            .collect(),
        definition: term.definition.clone(),
        examples: term.examples.clone(),
        avoid: term
            .avoid
            .iter()
            .map(|a| visible_controls(a).into_owned())
            .collect(),
        state: term_state(progress, &term.id, mastery, now),
        related: term
            .related
            .iter()
            .filter_map(|r| content.term(r))
            .map(|r| RelatedTerm {
                id: r.id.clone(),
                name: visible_controls(&r.name).into_owned(),
            })
            .collect(),
        exercises: course::list(content, progress)
            .into_iter()
            .filter(|e| e.term == term.id)
            .collect(),
    })
}
