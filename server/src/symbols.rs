//! A glossary search and a term's uses for any editor, with no plugin:
//! `workspace/symbol` returns the terms (by name, alias or id) and
//! exercises (by title, id or their term) matching the query, each at its
//! entry in its pack file; `textDocument/references` on a term lists where
//! it is used in the open documents (and, when asked for the declaration,
//! its glossary entry).
//!
//! Cost: a symbol query walks the loaded terms and exercises once (a few
//! hundred names, lowercased per query) and indexes each pack file it
//! answers with once; references walk the hits already kept for every open
//! document. Neither runs per keystroke in a document.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use llmops_core::content::Origin;
use llmops_core::text::visible_controls;
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, span_to_range, uri_key};
use crate::definition::Locator;
use crate::state::State;

/// Most symbols one answer holds: a picker shows a screenful, and an empty
/// query would otherwise list the whole course.
pub const MAX_SYMBOLS: usize = 100;

/// How well a name matches: lower is better.
fn rank(name: &str, query: &str) -> Option<u8> {
    if query.is_empty() {
        return Some(3);
    }
    let name = name.to_lowercase();
    if name == query {
        Some(0)
    } else if name.starts_with(query) {
        Some(1)
    } else if name.contains(query) {
        Some(2)
    } else {
        None
    }
}

/// The best rank of any of `names`.
fn best<'a>(names: impl IntoIterator<Item = &'a str>, query: &str) -> Option<u8> {
    names.into_iter().filter_map(|n| rank(n, query)).min()
}

struct Found<'a> {
    rank: u8,
    name: String,
    kind: SymbolKind,
    container: Option<String>,
    origin: &'a Origin,
}

/// `workspace/symbol`: terms (kind `Key`) whose name, alias or id contains
/// the query (case-insensitive), and exercises (kind `Event`) whose title or
/// id does or whose term matched; exact and prefix matches first, a term
/// before its exercises, at most [`MAX_SYMBOLS`].
#[allow(deprecated)] // `SymbolInformation::deprecated` must be set, to None
pub fn workspace_symbols(state: &State, query: &str) -> Vec<SymbolInformation> {
    let query = query.trim().to_lowercase();
    let content = &state.content;
    let module_name = |id: Option<&String>| {
        id.and_then(|id| content.module(id))
            .map(|m| visible_controls(&m.name).into_owned())
    };
    let mut found = Vec::new();
    // Term id -> rank, so a term's exercises come with it.
    let mut term_ranks = HashMap::new();
    for term in &content.terms {
        let names = std::iter::once(term.name.as_str())
            .chain(term.aliases.iter().map(String::as_str))
            .chain(std::iter::once(term.id.as_str()));
        if let Some(rank) = best(names, &query) {
            term_ranks.insert(term.id.as_str(), rank);
            found.push(Found {
                rank,
                name: visible_controls(&term.name).into_owned(),
                kind: SymbolKind::KEY,
                container: module_name(term.module.as_ref()),
                origin: &term.origin,
            });
        }
    }
    // Questions made from the glossary have no pack entry to point at.
    for exercise in content.exercises.iter().filter(|e| !e.generated) {
        let names = [exercise.title.as_str(), exercise.id.as_str()];
        let by_term = term_ranks.get(exercise.term.as_str()).copied();
        if let Some(rank) = best(names, &query).into_iter().chain(by_term).min() {
            let term = content.term(&exercise.term);
            found.push(Found {
                // Below the terms of the same rank: the glossary comes first.
                rank: rank.saturating_add(1),
                name: visible_controls(&exercise.title).into_owned(),
                kind: SymbolKind::EVENT,
                container: term.map(|t| format!("exercise on {}", visible_controls(&t.name))),
                origin: &exercise.origin,
            });
        }
    }
    found.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
    let mut locator = Locator::new(state);
    found
        .into_iter()
        .filter_map(|f| {
            let location = locator.locate(f.origin)?;
            Some(SymbolInformation {
                name: f.name,
                kind: f.kind,
                tags: None,
                deprecated: None,
                location,
                container_name: f.container,
            })
        })
        .take(MAX_SYMBOLS)
        .collect()
}

/// `textDocument/references` on a term: each use of it in the open
/// documents (in URI order, then by position), with its glossary entry
/// first when the client asks for the declaration.
pub fn references(state: &State, params: &ReferenceParams) -> Option<Vec<Location>> {
    let position = &params.text_document_position;
    let open = state.docs.get(&uri_key(&position.text_document.uri))?;
    let hit = open
        .doc
        .hit_at(from_lsp(position.position), state.encoding)?;
    let term = open.content.terms.get(hit.term as usize)?;
    let mut locations = Vec::new();
    if params.context.include_declaration
        && let Some(entry) = Locator::new(state).locate(&term.origin)
    {
        locations.push(entry);
    }
    let mut keys: Vec<&String> = state.docs.keys().collect();
    keys.sort();
    let mut seen = HashSet::new();
    for key in keys {
        let doc = &state.docs[key];
        // Each document indexes the content of its own folder: the same
        // term is the same id, not the same index.
        let index = if Arc::ptr_eq(&doc.content, &open.content) {
            Some(hit.term)
        } else {
            doc.content.term_index_of(&term.id).map(|i| i as u32)
        };
        let Some(index) = index else { continue };
        let hits: Vec<_> = doc
            .doc
            .hits()
            .iter()
            .filter(|h| h.term == index)
            .copied()
            .collect();
        for span in doc.doc.spans(&hits, state.encoding) {
            let range = span_to_range(span);
            if seen.insert((key, range.start.line, range.start.character)) {
                locations.push(Location {
                    uri: doc.uri.clone(),
                    range,
                });
            }
        }
    }
    Some(locations)
}
