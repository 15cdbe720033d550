//! Code lenses on the terms of a pack file (issue 20): above each
//! `[[term]]`, how often the term is used ("used 3× in open files") and,
//! when it has an exercise, "open exercise", which runs
//! `llmops.openExercise` like the Learn action.
//!
//! The count is of the term's hits in the documents open in the editor
//! (pack files left out: a pack names its own terms), which the server
//! keeps edit by edit anyway; the title says "in open files" because that
//! is all it counts. Counting the whole workspace would mean reading every
//! file on disk for a lens.
//!
//! Cost: the pack's outline (one parse, see `pack_outline`), then one walk
//! over the hits of every other open document with one hash lookup each,
//! so the counts cost O(hits open) per request whatever the number of
//! terms; no resolve round trip is needed.

use std::collections::HashMap;

use tower_lsp_server::ls_types::*;

use crate::convert::uri_key;
use crate::pack_outline::{Table, entries, ranges};
use crate::protocol::{OPEN_EXERCISE, OpenExerciseArgs};
use crate::state::State;

/// How many hits of each of `ids` the open documents other than pack
/// files hold. Each document indexes its own folder's content, so ids are
/// mapped to that document's indexes once per document.
fn uses(state: &State, ids: &[&str]) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = ids.iter().map(|id| (id.to_string(), 0)).collect();
    for open in state.docs.values() {
        if crate::pack_ids::pack_content(state, open).is_some() {
            continue;
        }
        let index: HashMap<u32, &str> = ids
            .iter()
            .filter_map(|id| Some((open.content.term_index_of(id)? as u32, *id)))
            .collect();
        if index.is_empty() {
            continue;
        }
        for hit in open.doc.hits() {
            if let Some(id) = index.get(&hit.term)
                && let Some(count) = counts.get_mut(*id)
            {
                *count += 1;
            }
        }
    }
    counts
}

/// The title of a term's count lens.
fn used_title(count: usize) -> String {
    match count {
        0 => "not used in open files".to_string(),
        n => format!("used {n}× in open files"),
    }
}

/// `textDocument/codeLens` in a pack file: per `[[term]]` with an id, its
/// count and, when the merged content gives it an exercise, "open
/// exercise". A lens that only tells carries an empty command, which
/// editors show as a label.
pub fn code_lenses(state: &State, params: &CodeLensParams) -> Option<Vec<CodeLens>> {
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    let content = crate::pack_ids::pack_content(state, open)?;
    let terms: Vec<_> = entries(open.doc.text())
        .into_iter()
        .filter(|e| e.table == Table::Term && e.id.is_some())
        .collect();
    let ids: Vec<&str> = terms
        .iter()
        .filter_map(|e| e.id.as_ref().map(|f| f.value.as_str()))
        .collect();
    let counts = uses(state, &ids);
    let mut lenses = Vec::new();
    for entry in &terms {
        let Some(id) = entry.id.as_ref().map(|f| f.value.as_str()) else {
            continue;
        };
        let (whole, _) = ranges(open, state, entry);
        let range = Range::new(whole.start, whole.start);
        lenses.push(CodeLens {
            range,
            command: Some(Command {
                title: used_title(counts.get(id).copied().unwrap_or(0)),
                command: String::new(),
                arguments: None,
            }),
            data: None,
        });
        let term = content.term(id);
        let args = match term.and_then(|t| t.exercise.as_deref()) {
            Some(exercise) if content.exercise(exercise).is_some() => OpenExerciseArgs {
                exercise_id: Some(exercise.to_string()),
                ..Default::default()
            },
            _ if content.exercise_for_term(id).is_some() => OpenExerciseArgs {
                term_id: Some(id.to_string()),
                ..Default::default()
            },
            _ => continue,
        };
        let Ok(argument) = serde_json::to_value(args) else {
            continue;
        };
        lenses.push(CodeLens {
            range,
            command: Some(Command {
                title: "open exercise".to_string(),
                command: OPEN_EXERCISE.to_string(),
                arguments: Some(vec![argument]),
            }),
            data: None,
        });
    }
    Some(lenses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_say_what_is_counted() {
        assert_eq!(used_title(0), "not used in open files");
        assert_eq!(used_title(14), "used 14× in open files");
    }
}
