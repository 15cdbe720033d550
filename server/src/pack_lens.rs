//! Code lenses on the terms of a pack file (issue 20): above each
//! `[[term]]`, how often the term is used ("used 3× in open files") and,
//! when it has an exercise, "open exercise", which runs
//! `llmops.openExercise` like the Learn action.
//!
//! The count is of the term's uses in the workspace (`workspace_uses`:
//! counted in the background as `scan` counts, open documents' text over
//! their files, pack files left out: a pack names its own terms). The
//! title says what was counted: "in this workspace"; "≥N× (first 5,000
//! files)" when the walk stopped at its budget; "in open files" while the
//! first count runs or when workspace packs are not trusted (nothing is
//! walked then).
//!
//! Cost: the pack's outline (one parse, see `pack_outline`), then one walk
//! over the hits of every other open document with one hash lookup each,
//! and one lookup per term in the workspace totals, so the counts cost
//! O(hits open + terms in the pack) per request; no resolve round trip is
//! needed.

use tower_lsp_server::ls_types::*;

use crate::convert::uri_key;
use crate::pack_outline::{Table, entries, ranges};
use crate::protocol::{OPEN_EXERCISE, OpenExerciseArgs};
use crate::state::State;
use crate::workspace_uses::{self, Count};

/// The title of a term's count lens: what was counted, honestly.
fn used_title(count: Count) -> String {
    match count {
        Count::OpenFiles { uses, counting } => {
            let told = match uses {
                0 => "not used in open files".to_string(),
                n => format!("used {n}× in open files"),
            };
            if counting {
                format!("{told} (counting the workspace…)")
            } else {
                told
            }
        }
        Count::Workspace {
            uses,
            within,
            recounting,
        } => {
            let told = match (uses, within) {
                (0, None) => "not used in this workspace".to_string(),
                (n, None) => format!("used {n}× in this workspace"),
                (0, Some(files)) => format!("not used in the first {} files", thousands(files)),
                (n, Some(files)) => format!("used ≥{n}× (first {} files)", thousands(files)),
            };
            if recounting {
                format!("{told} (recounting…)")
            } else {
                told
            }
        }
    }
}

/// `5000` as "5,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether the lenses are asked for in a pack file (the only documents
/// that have them).
pub fn in_pack(state: &State, params: &CodeLensParams) -> bool {
    state
        .docs
        .get(&uri_key(&params.text_document.uri))
        .is_some_and(|open| crate::pack_ids::pack_content(state, open).is_some())
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
    let counts = workspace_uses::counts(state, &ids);
    let mut lenses = Vec::new();
    // `terms` all have ids, so `ids` and `counts` follow them one to one.
    for ((entry, &id), &count) in terms.iter().zip(&ids).zip(&counts) {
        let (whole, _) = ranges(open, state, entry);
        let range = Range::new(whole.start, whole.start);
        lenses.push(CodeLens {
            range,
            command: Some(Command {
                title: used_title(count),
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
        let open = |uses, counting| Count::OpenFiles { uses, counting };
        assert_eq!(used_title(open(0, false)), "not used in open files");
        assert_eq!(used_title(open(14, false)), "used 14× in open files");
        assert_eq!(
            used_title(open(2, true)),
            "used 2× in open files (counting the workspace…)"
        );
        let ws = |uses, within, recounting| Count::Workspace {
            uses,
            within,
            recounting,
        };
        assert_eq!(
            used_title(ws(14, None, false)),
            "used 14× in this workspace"
        );
        assert_eq!(used_title(ws(0, None, false)), "not used in this workspace");
        assert_eq!(
            used_title(ws(3, Some(5000), false)),
            "used ≥3× (first 5,000 files)"
        );
        assert_eq!(
            used_title(ws(0, Some(1_234_567), true)),
            "not used in the first 1,234,567 files (recounting…)"
        );
    }
}
