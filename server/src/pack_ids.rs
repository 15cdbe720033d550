//! Ids inside pack files (`.llmops/*.toml`, the user's packs, and files a
//! loaded pack imports) open in the editor: completion of term and
//! exercise ids where a pack names one (`related = [...]`,
//! `vocabulary = [...]`, `term = "..."`, `exercise = "..."`), hover on such
//! an id (what it names and where that is defined), and go to definition
//! from it to the `[[term]]` or `[[exercise]]` that defines it, in this
//! pack or any other the pack sees. `imports = [...]` entries complete
//! from the folder typed so far and go to the files they name (one folder
//! listed per request: the only disk access here).
//!
//! Cost: the line under the cursor is lexed (`toml_parser`'s tolerant
//! lexer: escapes, literal strings and comments as TOML has them); only
//! when that line holds no key, the lines above it are lexed one by one up
//! to the `key = [` that opens the array, at most [`MAX_ARRAY_LINES`] of
//! them. The ids come from the content merged when packs load (the pack's
//! own folder chain, [`crate::state::OpenDoc::content`], or for an
//! imported file its importer's), and at most [`MAX_ITEMS`] completions
//! are sent. Lines are lexed alone, so a line inside a multi-line string
//! that looks like `term = "x"` is read as one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::Content;
use toml_parser::Source;
use toml_parser::lexer::{Token, TokenKind};
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::definition::Locator;
use crate::state::{OpenDoc, State};

/// Most completion items in one answer (the list is marked incomplete past
/// it, so the editor asks again as the user types).
pub const MAX_ITEMS: usize = 200;

/// Most lines above the cursor read to find the key of a multi-line array
/// (`related = [` then one id per line): a longer list of ids is not one a
/// pack writes by hand, and the bound keeps a request on a big pack cheap.
pub const MAX_ARRAY_LINES: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum IdKind {
    Term,
    Exercise,
    /// An `imports` entry: a path to pack files (completion lists the
    /// folder typed so far; definition opens the files it names).
    Import,
}

/// The id string under the cursor: its kind and its byte range on the
/// line (the quotes excluded; to the end of the line if unclosed).
#[derive(Debug, PartialEq, Eq)]
struct Slot {
    kind: IdKind,
    start: usize,
    end: usize,
}

/// Which kind of id a key names, if any.
fn kind_of(key: &str) -> Option<IdKind> {
    match key {
        "related" | "vocabulary" | "term" => Some(IdKind::Term),
        "exercise" => Some(IdKind::Exercise),
        "imports" => Some(IdKind::Import),
        _ => None,
    }
}

/// One line's tokens (the line holds no line break).
fn lex(line: &str) -> Vec<Token> {
    Source::new(line).lex().into_vec()
}

fn is_string(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::BasicString | TokenKind::LiteralString)
}

/// Tokens that carry nothing for finding a key.
fn is_blank(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Whitespace | TokenKind::Comment | TokenKind::Newline | TokenKind::Eof
    )
}

/// The bare or quoted key a `=` at `equals` follows, if it is a simple one.
fn key_before<'a>(line: &'a str, tokens: &[Token], equals: usize) -> Option<&'a str> {
    let key = tokens[..equals]
        .iter()
        .rev()
        .find(|t| !is_blank(t.kind()))?;
    let text = line.get(key.span().start()..key.span().end())?;
    match key.kind() {
        TokenKind::Atom => Some(text),
        k if is_string(k) => text.get(1..text.len().saturating_sub(1)),
        _ => None,
    }
}

/// What the tokens before a string on its own line say about it.
#[derive(Debug, PartialEq, Eq)]
enum Before {
    /// `key = "…"` or `key = [ …, "…"`: the key names ids of this kind.
    Key(IdKind),
    /// Only other items of an array before it: the key is on a line above.
    Continues,
    /// Anything else (a key that names no ids, a closed array, a table).
    Nothing,
}

fn before(line: &str, tokens: &[Token], string: usize) -> Before {
    let mut opened = false;
    for (i, token) in tokens[..string].iter().enumerate().rev() {
        match token.kind() {
            k if is_blank(k) || is_string(k) || k == TokenKind::Comma => {}
            TokenKind::LeftSquareBracket if !opened => opened = true,
            TokenKind::Equals => {
                // `key = "a", "b"` is no value: an earlier string needs `[`.
                return match key_before(line, tokens, i).and_then(kind_of) {
                    Some(kind) => Before::Key(kind),
                    None => Before::Nothing,
                };
            }
            _ => return Before::Nothing,
        }
    }
    if opened {
        Before::Nothing
    } else {
        Before::Continues
    }
}

/// For a line above a multi-line array's item: `Some(Some(kind))` when the
/// line opens the array (`key = [` and items, unclosed), `Some(None)` when
/// it holds only items (look further up), `None` when the array cannot
/// reach past it.
fn line_above(line: &str) -> Option<Option<IdKind>> {
    let tokens = lex(line);
    let mut items_only = true;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind() {
            k if is_blank(k) || is_string(k) || k == TokenKind::Comma => {}
            TokenKind::Equals => {
                let rest: Vec<TokenKind> = tokens[i + 1..]
                    .iter()
                    .map(Token::kind)
                    .filter(|&k| !is_blank(k))
                    .collect();
                let opens = rest.first() == Some(&TokenKind::LeftSquareBracket)
                    && rest[1..]
                        .iter()
                        .all(|&k| is_string(k) || k == TokenKind::Comma);
                return opens
                    .then(|| key_before(line, &tokens, i).and_then(kind_of))
                    .flatten()
                    .map(Some);
            }
            _ => items_only = false,
        }
    }
    items_only.then_some(None)
}

/// The id slot at byte column `cursor` of line `number`: a string after a
/// key that names ids, on the same line or (in a multi-line array) on a
/// line above. `line` gives a line's text by number.
fn slot<'a>(line: impl Fn(usize) -> Option<&'a str>, number: usize, cursor: usize) -> Option<Slot> {
    let text = line(number)?;
    let tokens = lex(text);
    let bytes = text.as_bytes();
    let (index, start, end) = tokens.iter().enumerate().find_map(|(i, t)| {
        if !is_string(t.kind()) {
            return None;
        }
        let (s, e) = (t.span().start(), t.span().end());
        let closed = e - s >= 2 && bytes.get(e - 1) == bytes.get(s);
        let inner = (s + 1, if closed { e - 1 } else { e });
        (inner.0..=inner.1)
            .contains(&cursor)
            .then_some((i, inner.0, inner.1))
    })?;
    let kind = match before(text, &tokens, index) {
        Before::Key(kind) => kind,
        Before::Nothing => return None,
        Before::Continues => array_key_above(&line, number)?,
    };
    Some(Slot { kind, start, end })
}

/// The kind of ids of the multi-line array that line `number` continues,
/// read upwards at most [`MAX_ARRAY_LINES`] lines.
fn array_key_above<'a>(line: &impl Fn(usize) -> Option<&'a str>, number: usize) -> Option<IdKind> {
    for above in (number.saturating_sub(MAX_ARRAY_LINES)..number).rev() {
        if let Some(kind) = line_above(line(above)?)? {
            return Some(kind);
        }
    }
    None
}

/// The content a pack file's ids are read in: a workspace or user pack's
/// own (its folder's chain), or for a file that loaded packs import (a
/// shared pack outside any `.llmops/`), its first importer's. `None` for
/// any other document. An import check compares paths in the pack set, no
/// disk access.
pub(crate) fn pack_content(state: &State, open: &OpenDoc) -> Option<Arc<Content>> {
    let path = open.path.as_deref()?;
    if state.packs.scope_of(path, &state.roots).is_some() {
        return Some(open.content.clone());
    }
    let (importer, _) = state.packs.importers_of(path).into_iter().next()?;
    Some(state.scoped.for_path(Some(&importer)).clone())
}

/// The id under the cursor in a pack file.
struct At<'a> {
    /// The text of the line it is on.
    line: &'a str,
    slot: Slot,
    /// The byte offset of the line in the document, and of the cursor.
    line_start: usize,
    cursor: usize,
    content: Arc<Content>,
}

impl At<'_> {
    fn id(&self) -> &str {
        self.line.get(self.slot.start..self.slot.end).unwrap_or("")
    }

    /// The id's range in the document.
    fn range(&self, open: &OpenDoc, state: &State) -> Range {
        let doc = &open.doc;
        let at = |offset| to_lsp(doc.lines().position(doc.text(), offset, state.encoding));
        Range::new(
            at(self.line_start + self.slot.start),
            at(self.line_start + self.slot.end),
        )
    }
}

/// The id slot under `position` in `open`, if it is a pack file.
fn slot_at<'a>(state: &State, open: &'a OpenDoc, position: Position) -> Option<At<'a>> {
    let content = pack_content(state, open)?;
    let doc = &open.doc;
    let text = doc.text();
    let lines = doc.lines();
    let cursor = lines.offset(text, from_lsp(position), state.encoding)?;
    let number = lines.line_of(cursor);
    let line_text = |n: usize| {
        let (start, end) = lines.line_content(text, n)?;
        text.get(start..end)
    };
    let (line_start, _) = lines.line_content(text, number)?;
    let slot = slot(line_text, number, cursor - line_start)?;
    Some(At {
        line: line_text(number)?,
        slot,
        line_start,
        cursor,
        content,
    })
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
        IdKind::Import => Box::new(std::iter::empty()),
    }
}

/// `textDocument/completion` in a pack: the ids that fit the slot under
/// the cursor, replacing what is typed of it.
pub fn completion(state: &State, params: &CompletionParams) -> Option<CompletionResponse> {
    let position = &params.text_document_position;
    let open = state.docs.get(&uri_key(&position.text_document.uri))?;
    let at = slot_at(state, open, position.position)?;
    let prefix = at
        .line
        .get(at.slot.start..at.cursor - at.line_start)
        .unwrap_or("");
    let from = at.range(open, state).start;
    let range = Range::new(from, position.position);
    if at.slot.kind == IdKind::Import {
        return Some(import_completion(state, open, prefix, range));
    }
    let mut items: Vec<CompletionItem> = Vec::new();
    let mut incomplete = false;
    for (id, detail) in ids(&at.content, at.slot.kind, prefix) {
        if items.len() == MAX_ITEMS {
            incomplete = true;
            break;
        }
        items.push(CompletionItem {
            label: id.to_string(),
            kind: Some(match at.slot.kind {
                IdKind::Exercise => CompletionItemKind::EVENT,
                _ => CompletionItemKind::CONSTANT,
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
    let at = slot_at(state, open, position.position)?;
    let origin = match at.slot.kind {
        IdKind::Term => &at.content.term(at.id())?.origin,
        IdKind::Exercise => &at.content.exercise(at.id())?.origin,
        IdKind::Import => return import_definition(state, open, at.id()),
    };
    Locator::new(state)
        .locate(origin)
        .map(GotoDefinitionResponse::Scalar)
}

/// `textDocument/hover` on an id in a pack: the term (name, the start of
/// its definition) or exercise it names and where that is defined, or that
/// no pack this file sees defines it. Built in `render`, escaped like every
/// hover: pack text, file names and the id itself are untrusted.
pub fn hover(state: &State, position: &TextDocumentPositionParams) -> Option<Hover> {
    let open = state.docs.get(&uri_key(&position.text_document.uri))?;
    let at = slot_at(state, open, position.position)?;
    let id = at.id();
    if id.is_empty() {
        return None;
    }
    let content = &at.content;
    let here = open.path.as_deref();
    let value = match at.slot.kind {
        IdKind::Import => import_hover(state, open, id, content)?,
        IdKind::Term => match content.term(id) {
            Some(term) => crate::render::term_id_hover(
                content,
                term,
                &crate::pack_places::describe(state, &term.origin, here),
            ),
            None => crate::render::unknown_id_hover("term", id),
        },
        IdKind::Exercise => match content.exercise(id) {
            Some(exercise) => crate::render::exercise_id_hover(
                content,
                exercise,
                &crate::pack_places::describe(state, &exercise.origin, here),
            ),
            None => crate::render::unknown_id_hover("exercise", id),
        },
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(at.range(open, state)),
    })
}

/// Most folder entries an `imports` completion reads (a folder of
/// thousands of files is not where packs live).
const MAX_LISTED: usize = 4096;

/// The folder a pack's imports must stay in: its workspace folder, or the
/// user's pack folder (as loading checks it, `llmops_core::imports`).
fn import_bound(state: &State, pack: &Path) -> Option<PathBuf> {
    state
        .roots
        .iter()
        .find(|r| pack.starts_with(r))
        .cloned()
        .or_else(|| {
            state
                .packs
                .user_dir()
                .filter(|d| pack.starts_with(d))
                .map(Path::to_path_buf)
        })
}

/// What an `imports` entry typed so far (`typed`, relative to the pack's
/// folder) may go on with: the sub-folders (ending in `/`) and `.toml`
/// files of the folder it names, inside `bound`, the pack itself left out;
/// sorted, at most [`MAX_ITEMS`]. One folder is listed, at most
/// [`MAX_LISTED`] of its entries read; none once a wildcard is typed.
fn import_candidates(bound: &Path, pack: &Path, typed: &str) -> Vec<(String, bool)> {
    if typed.contains(['*', '?', '[']) {
        return Vec::new();
    }
    let (dir_part, prefix) = typed.split_at(typed.rfind('/').map_or(0, |i| i + 1));
    let Some(dir) = pack.parent() else {
        return Vec::new();
    };
    let (Ok(folder), Ok(bound)) = (
        std::fs::canonicalize(dir.join(dir_part)),
        std::fs::canonicalize(bound),
    ) else {
        return Vec::new();
    };
    if !folder.starts_with(&bound) {
        return Vec::new();
    }
    let Ok(listing) = std::fs::read_dir(&folder) else {
        return Vec::new();
    };
    let own = std::fs::canonicalize(pack).ok();
    let mut found = Vec::new();
    for entry in listing.filter_map(Result::ok).take(MAX_LISTED) {
        let name = entry.file_name();
        // Names that are not text, or hold controls, are not offered.
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(prefix) || name.chars().any(char::is_control) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.push((format!("{dir_part}{name}/"), true));
        } else if kind.is_file()
            && name.ends_with(".toml")
            && own.as_deref() != Some(folder.join(name).as_path())
        {
            found.push((format!("{dir_part}{name}"), false));
        }
    }
    found.sort();
    found.truncate(MAX_ITEMS);
    found
}

/// Completion of an `imports` entry (see [`import_candidates`]).
fn import_completion(
    state: &State,
    open: &OpenDoc,
    typed: &str,
    range: Range,
) -> CompletionResponse {
    let candidates = match open.path.as_deref() {
        Some(pack) => import_bound(state, pack)
            .map(|bound| import_candidates(&bound, pack, typed))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let items = candidates
        .into_iter()
        .map(|(path, folder)| CompletionItem {
            label: path.clone(),
            kind: Some(if folder {
                CompletionItemKind::FOLDER
            } else {
                CompletionItemKind::FILE
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: path,
            })),
            ..Default::default()
        })
        .collect();
    CompletionResponse::List(CompletionList {
        // Each folder typed into is listed anew.
        is_incomplete: true,
        items,
    })
}

/// Hover on an `imports` entry: the files it names, as loading reads them
/// (`llmops_core::imports::entry_files`, the same files go to definition
/// opens), each with the terms and exercises in use from it, or why it
/// names none. Costs what go to definition costs (one folder listed at
/// most) and a pass over the content's terms and exercises.
fn import_hover(state: &State, open: &OpenDoc, entry: &str, content: &Content) -> Option<String> {
    let pack = open.path.as_deref()?;
    let bound = import_bound(state, pack)?;
    let files = match llmops_core::imports::entry_files(&bound, pack.parent()?, entry) {
        Ok(files) => files,
        Err(why) => return Some(crate::render::import_hover(entry, Err(&why))),
    };
    let canonical_bound = std::fs::canonicalize(&bound).unwrap_or(bound);
    let listed: Vec<(String, usize, usize)> = files
        .iter()
        .map(|file| {
            let key = file.to_string_lossy();
            let from = |origin: &llmops_core::content::Origin| *origin.pack == *key;
            let terms = content.terms.iter().filter(|t| from(&t.origin)).count();
            let exercises = content.exercises.iter().filter(|e| from(&e.origin)).count();
            let shown = file
                .strip_prefix(&canonical_bound)
                .unwrap_or(file)
                .to_string_lossy()
                .into_owned();
            (shown, terms, exercises)
        })
        .collect();
    Some(crate::render::import_hover(entry, Ok(&listed)))
}

/// Go to definition on an `imports` entry: the files it names, as loading
/// reads them (`llmops_core::imports::entry_files`).
fn import_definition(state: &State, open: &OpenDoc, entry: &str) -> Option<GotoDefinitionResponse> {
    let pack = open.path.as_deref()?;
    let bound = import_bound(state, pack)?;
    let files = llmops_core::imports::entry_files(&bound, pack.parent()?, entry).ok()?;
    let start = Range::new(Position::new(0, 0), Position::new(0, 0));
    let locations: Vec<Location> = files
        .iter()
        .filter_map(|f| {
            Some(Location {
                uri: Uri::from_file_path(f)?,
                range: start,
            })
        })
        .collect();
    (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `slot` over a one-line text.
    fn slot1(line: &str, cursor: usize) -> Option<Slot> {
        slot(|n| (n == 0).then_some(line), 0, cursor)
    }

    /// `slot` over a text of several lines, the cursor at `needle` (its
    /// first byte plus `after`) on line `number`.
    fn slot_in(text: &str, number: usize, needle: &str, after: usize) -> Option<Slot> {
        let lines: Vec<&str> = text.lines().collect();
        let cursor = lines[number].find(needle).unwrap() + after;
        slot(|n| lines.get(n).copied(), number, cursor)
    }

    #[test]
    fn slots_are_the_quoted_ids_after_id_keys() {
        let line = r#"related = ["ai-gateway", "tok"]"#;
        let at = |needle: &str| line.find(needle).unwrap();
        assert_eq!(
            slot1(line, at("gateway")),
            Some(Slot {
                kind: IdKind::Term,
                start: at("ai-"),
                end: at("\", \"tok")
            })
        );
        assert_eq!(slot1(line, at("tok") + 3).map(|s| s.start), Some(at("tok")));
        // Between the strings, or before the `=`: no slot.
        assert_eq!(slot1(line, at(", ") + 1), None);
        assert_eq!(slot1(line, 2), None);
        // An unclosed string reaches the end of the line.
        let typing = r#"exercise = "acme"#;
        assert_eq!(
            slot1(typing, typing.len()),
            Some(Slot {
                kind: IdKind::Exercise,
                start: 12,
                end: typing.len()
            })
        );
        assert_eq!(slot1(r#"name = "x""#, 8), None);
        assert_eq!(
            slot1(r#"  term = "t""#, 10).map(|s| s.kind),
            Some(IdKind::Term)
        );
        // Literal strings, and an escaped quote that does not end one.
        assert_eq!(
            slot1("term = 'abc'", 9).map(|s| (s.start, s.end)),
            Some((8, 11))
        );
        let escaped = r#"name = "a \"term = \"x\"""#;
        assert_eq!(slot1(escaped, escaped.find('x').unwrap()), None);
    }

    #[test]
    fn imports_complete_from_the_folder_typed_inside_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        for folder in ["ws/.llmops", "ws/platform/llmops", "outside"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        for file in [
            "ws/.llmops/team.toml",
            "ws/.llmops/other.toml",
            "ws/.llmops/notes.md",
            "ws/platform/llmops/shared.toml",
            "outside/secret.toml",
        ] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        let pack = root.join(".llmops/team.toml");
        let names = |typed: &str| -> Vec<String> {
            import_candidates(&root, &pack, typed)
                .into_iter()
                .map(|(p, _)| p)
                .collect()
        };
        // The pack's own folder: other packs, not itself, not other files.
        assert_eq!(names(""), ["other.toml"]);
        assert_eq!(names("../pl"), ["../platform/"]);
        assert_eq!(
            names("../platform/llmops/"),
            ["../platform/llmops/shared.toml"]
        );
        // Out of the workspace folder, or a wildcard: nothing.
        assert!(names("../../outside/").is_empty());
        assert!(names("../platform/llmops/*").is_empty());
    }

    #[test]
    fn ids_of_an_array_over_several_lines_know_their_key() {
        let text = "[[term]]\nid = \"a\"\nrelated = [ # ids\n  \"b\",\n\n  \"c\", 'd',\n  \"e\"\n]\nname = \"f\"\n";
        assert_eq!(slot_in(text, 3, "b", 0).map(|s| s.kind), Some(IdKind::Term));
        assert_eq!(slot_in(text, 5, "c", 1).map(|s| s.kind), Some(IdKind::Term));
        assert_eq!(slot_in(text, 5, "d", 0).map(|s| s.kind), Some(IdKind::Term));
        assert_eq!(slot_in(text, 6, "e", 1).map(|s| s.kind), Some(IdKind::Term));
        // After the array closed: a string of another key.
        assert_eq!(slot_in(text, 8, "f", 0), None);
        // `vocabulary` of an exercise names terms; `choices` names none.
        let exercise = "[[exercise]]\nvocabulary = [\n  \"x\",\n]\nchoices = [\n  \"y\",\n]\n";
        assert_eq!(
            slot_in(exercise, 2, "x", 0).map(|s| s.kind),
            Some(IdKind::Term)
        );
        assert_eq!(slot_in(exercise, 5, "y", 0), None);
        // A line of other tokens between: the array cannot reach past it.
        let broken = "related = [\n  \"a\",\nname = 3\n  \"b\",\n";
        assert_eq!(
            slot_in(broken, 1, "a", 0).map(|s| s.kind),
            Some(IdKind::Term)
        );
        assert_eq!(slot_in(broken, 3, "b", 0), None);
        // An opener further up than the bound is not looked for.
        let far = format!("related = [\n{}\"z\"\n", "\"a\",\n".repeat(MAX_ARRAY_LINES));
        assert_eq!(slot_in(&far, MAX_ARRAY_LINES + 1, "z", 0), None);
        let near = format!(
            "related = [\n{}\"z\"\n",
            "\"a\",\n".repeat(MAX_ARRAY_LINES - 1)
        );
        assert_eq!(
            slot_in(&near, MAX_ARRAY_LINES, "z", 0).map(|s| s.kind),
            Some(IdKind::Term)
        );
    }
}
