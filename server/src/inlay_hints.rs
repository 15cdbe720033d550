//! `textDocument/inlayHint`: acronyms get their expansion, `TTFT` shows
//! `: time to first token` (off unless `llmops.inlayHints` is set), where
//! a hint diagnostic shows: known terms, ignored lines and the rest of the
//! policy get none.

use std::collections::HashSet;

use llmops_core::Hit;
use llmops_core::policy::Learner;
use llmops_core::text::visible_controls;
use tower_lsp_server::ls_types::*;

use crate::convert::{range_to_span, span_to_range, uri_key};
use crate::publish;
use crate::state::State;

pub fn inlay_hints(state: &State, params: &InlayHintParams) -> Option<Vec<InlayHint>> {
    if !state.settings.inlay_hints {
        return Some(Vec::new());
    }
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let doc = &open.doc;
    // Only where a hint shows: the policy's findings (ignore markers,
    // languages, excluded files, known terms, first occurrence, the cap).
    let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
    let shown: HashSet<usize> = publish::shown_findings(state, open, &learner)
        .iter()
        .map(|f| f.hit.start())
        .collect();
    let hits: Vec<Hit> = doc
        .hits_in(range_to_span(params.range), state.encoding)
        .into_iter()
        .filter(|h| {
            let text = &doc.text()[h.start()..h.end()];
            shown.contains(&h.start())
                && text.len() >= 2
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
                let term = open.content.terms.get(hit.term as usize)?;
                if doc.text()[hit.start()..hit.end()].eq_ignore_ascii_case(&term.name) {
                    return None;
                }
                Some(InlayHint {
                    position: span_to_range(span).end,
                    label: InlayHintLabel::String(format!(
                        ": {}",
                        // Marked after lowercasing, so the marker reads `U+202E`.
                        visible_controls(&term.name.to_lowercase())
                    )),
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
