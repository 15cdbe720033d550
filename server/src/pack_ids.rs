//! Ids inside pack files (`.llmops/*.toml`, the user's packs) open in the
//! editor: completion of term and exercise ids where a pack names one
//! (`related = [...]`, `vocabulary = [...]`, `term = "..."`,
//! `exercise = "..."`), and go to definition from such an id to the
//! `[[term]]` or `[[exercise]]` that defines it, in this pack or any other
//! the pack sees.
//!
//! Cost: only the line under the cursor is read; the ids come from the
//! content merged when packs load (the pack's own folder chain,
//! [`crate::state::OpenDoc::content`]), and at most [`MAX_ITEMS`]
//! completions are sent. A key spread over several lines (`related = [`
//! then one id per line) is not recognised on its later lines: the line
//! under the cursor is all that is read.

use llmops_core::content::Content;
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::definition::Locator;
use crate::state::{OpenDoc, State};

/// Most completion items in one answer (the list is marked incomplete past
/// it, so the editor asks again as the user types).
pub const MAX_ITEMS: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum IdKind {
    Term,
    Exercise,
}

/// The id string under the cursor: its kind and its byte range on the
/// line (the quotes excluded; to the end of the line if unclosed).
#[derive(Debug, PartialEq, Eq)]
struct Slot {
    kind: IdKind,
    start: usize,
    end: usize,
}

/// Which kind of id the key of `line` names, if any.
fn kind_of(key: &str) -> Option<IdKind> {
    match key {
        "related" | "vocabulary" | "term" => Some(IdKind::Term),
        "exercise" => Some(IdKind::Exercise),
        _ => None,
    }
}

/// The id slot of `line` that holds byte column `cursor`: a quoted string
/// after `key =`, where the key names ids.
fn slot(line: &str, cursor: usize) -> Option<Slot> {
    let (key, _) = line.split_once('=')?;
    let kind = kind_of(key.trim())?;
    let value_start = key.len() + 1;
    if cursor < value_start || cursor > line.len() {
        return None;
    }
    let mut open: Option<usize> = None;
    for (i, c) in line[value_start..].char_indices() {
        let at = value_start + i;
        if c != '"' {
            continue;
        }
        match open {
            None => open = Some(at + 1),
            Some(start) => {
                if (start..=at).contains(&cursor) {
                    return Some(Slot {
                        kind,
                        start,
                        end: at,
                    });
                }
                open = None;
            }
        }
    }
    let start = open?;
    (cursor >= start).then_some(Slot {
        kind,
        start,
        end: line.len(),
    })
}

/// Whether `open` is a pack file (a workspace `.llmops/*.toml` or one of
/// the user's packs).
fn is_pack(state: &State, open: &OpenDoc) -> bool {
    open.path
        .as_deref()
        .is_some_and(|path| state.packs.scope_of(path, &state.roots).is_some())
}

/// The line under `position`, the slot there and the line's start offset.
fn slot_at<'a>(
    state: &State,
    open: &'a OpenDoc,
    position: Position,
) -> Option<(&'a str, Slot, usize)> {
    if !is_pack(state, open) {
        return None;
    }
    let doc = &open.doc;
    let text = doc.text();
    let offset = doc
        .lines()
        .offset(text, from_lsp(position), state.encoding)?;
    let line = doc.lines().line_of(offset);
    let (start, end) = doc.lines().line_content(text, line)?;
    let line_text = text.get(start..end)?;
    let slot = slot(line_text, offset - start)?;
    Some((line_text, slot, start))
}

/// `(id, detail)` of every id of `kind` starting with `prefix`.
fn ids<'a>(
    content: &'a Content,
    kind: IdKind,
    prefix: &'a str,
) -> Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a> {
    match kind {
        IdKind::Term => Box::new(
            content
                .terms
                .iter()
                .filter(move |t| t.id.starts_with(prefix))
                .map(|t| (t.id.as_str(), t.name.as_str())),
        ),
        IdKind::Exercise => Box::new(
            content
                .exercises
                .iter()
                .filter(move |e| e.id.starts_with(prefix))
                .map(|e| (e.id.as_str(), e.title.as_str())),
        ),
    }
}

/// `textDocument/completion` in a pack: the ids that fit the slot under
/// the cursor, replacing what is typed of it.
pub fn completion(state: &State, params: &CompletionParams) -> Option<CompletionResponse> {
    let at = &params.text_document_position;
    let open = state.docs.get(&uri_key(&at.text_document.uri))?;
    let (line, slot, line_start) = slot_at(state, open, at.position)?;
    let doc = &open.doc;
    let text = doc.text();
    let cursor = doc
        .lines()
        .offset(text, from_lsp(at.position), state.encoding)?;
    let prefix = &line[slot.start..cursor - line_start];
    let from = to_lsp(
        doc.lines()
            .position(text, line_start + slot.start, state.encoding),
    );
    let range = Range::new(from, at.position);
    let mut items: Vec<CompletionItem> = Vec::new();
    let mut incomplete = false;
    for (id, detail) in ids(&open.content, slot.kind, prefix) {
        if items.len() == MAX_ITEMS {
            incomplete = true;
            break;
        }
        items.push(CompletionItem {
            label: id.to_string(),
            kind: Some(match slot.kind {
                IdKind::Term => CompletionItemKind::CONSTANT,
                IdKind::Exercise => CompletionItemKind::EVENT,
            }),
            detail: Some(llmops_core::text::visible_controls(detail).into_owned()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: id.to_string(),
            })),
            ..Default::default()
        });
    }
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: incomplete,
        items,
    }))
}

/// `textDocument/definition` on an id in a pack: the entry defining it.
pub fn definition(
    state: &State,
    position: &TextDocumentPositionParams,
) -> Option<GotoDefinitionResponse> {
    let open = state.docs.get(&uri_key(&position.text_document.uri))?;
    let (line, slot, _) = slot_at(state, open, position.position)?;
    let id = line.get(slot.start..slot.end)?;
    let origin = match slot.kind {
        IdKind::Term => &open.content.term(id)?.origin,
        IdKind::Exercise => &open.content.exercise(id)?.origin,
    };
    Locator::new(state)
        .locate(origin)
        .map(GotoDefinitionResponse::Scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_the_quoted_ids_after_id_keys() {
        let line = r#"related = ["ai-gateway", "tok"]"#;
        let at = |needle: &str| line.find(needle).unwrap();
        assert_eq!(
            slot(line, at("gateway")),
            Some(Slot {
                kind: IdKind::Term,
                start: at("ai-"),
                end: at("\", \"tok")
            })
        );
        assert_eq!(slot(line, at("tok") + 3).map(|s| s.start), Some(at("tok")));
        // Between the strings, or before the `=`: no slot.
        assert_eq!(slot(line, at(", ") + 1), None);
        assert_eq!(slot(line, 2), None);
        // An unclosed string reaches the end of the line.
        let typing = r#"exercise = "acme"#;
        assert_eq!(
            slot(typing, typing.len()),
            Some(Slot {
                kind: IdKind::Exercise,
                start: 12,
                end: typing.len()
            })
        );
        assert_eq!(slot(r#"name = "x""#, 8), None);
        assert_eq!(
            slot(r#"  term = "t""#, 10).map(|s| s.kind),
            Some(IdKind::Term)
        );
    }
}
