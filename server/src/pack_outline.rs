//! The entries of a pack file as written, for its outline
//! (`textDocument/documentSymbol`) and its code lenses: each `[[term]]`,
//! `[[exercise]]`, `[[practice]]` and `[[module]]` with where it stands and
//! the few fields that name it (`id`, `name`, `title`, `term`, `module`).
//!
//! Read from the document's current text with `toml_parser`, the tolerant
//! parser under the `toml` crate: a pack half typed (an unclosed string, a
//! missing `=`) still has an outline, where the loaded pack keeps its last
//! good version and would point at stale lines.
//!
//! Cost: one lex and parse of the document per request (an outline names
//! everything in it); the editor asks after edits, not per keystroke of
//! other files. At most [`MAX_ENTRIES`] entries are kept.

use llmops_core::text::visible_controls;
use toml_parser::decoder::Encoding;
use toml_parser::parser::{EventReceiver, parse_document};
use toml_parser::{ErrorSink, Raw, Source, Span};
use tower_lsp_server::ls_types::*;

use crate::convert::{to_lsp, uri_key};
use crate::state::{OpenDoc, State};

/// Most entries an outline or a lens answer holds (a generated pack may
/// hold 100,000 terms; no one reads an outline that long).
pub const MAX_ENTRIES: usize = 5_000;

/// What an entry is, by its table's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Term,
    Exercise,
    Practice,
    Module,
}

impl Table {
    fn of(name: &str) -> Option<Table> {
        match name {
            "term" => Some(Table::Term),
            "exercise" => Some(Table::Exercise),
            "practice" => Some(Table::Practice),
            "module" => Some(Table::Module),
            _ => None,
        }
    }
}

/// One `[[table]]` of a pack file as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub table: Table,
    /// Byte range of the `[[table]]` header.
    pub header: (usize, usize),
    /// Byte offset where its last key-value ends.
    pub end: usize,
    pub id: Option<Field>,
    pub name: Option<Field>,
    /// The `term` or `module` it belongs to.
    pub term: Option<String>,
    pub module: Option<String>,
}

/// A string field's value and the byte range of its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub value: String,
    pub span: (usize, usize),
}

/// Collects entries from the parser's events.
struct Collector<'a> {
    text: &'a str,
    entries: Vec<Entry>,
    /// The table being read (`None`: top level, or a table that is none
    /// of ours).
    current: Option<Entry>,
    in_header: bool,
    header_keys: Vec<String>,
    header_start: usize,
    /// Arrays and inline tables open around the cursor of the parse.
    depth: u32,
    /// The key of the key-value being read at depth 0 (`None` for dotted
    /// keys and outside key-values).
    key: Option<String>,
    dotted: bool,
    /// Where the last thing that is not blank ended.
    last_end: usize,
}

impl Collector<'_> {
    fn decode(&self, span: Span, encoding: Option<Encoding>, key: bool) -> String {
        let Some(raw) = self.text.get(span.start()..span.end()) else {
            return String::new();
        };
        let raw = Raw::new_unchecked(raw, encoding, span);
        let mut out = String::new();
        if key {
            raw.decode_key(&mut out, &mut ());
        } else {
            let _ = raw.decode_scalar(&mut out, &mut ());
        }
        out
    }

    fn finish_entry(&mut self) {
        if let Some(mut entry) = self.current.take() {
            entry.end = self.last_end.max(entry.header.1);
            if self.entries.len() < MAX_ENTRIES {
                self.entries.push(entry);
            }
        }
    }

    fn open_header(&mut self, span: Span) {
        self.finish_entry();
        self.in_header = true;
        self.header_keys.clear();
        self.header_start = span.start();
    }

    fn close_header(&mut self, span: Span, array: bool) {
        self.in_header = false;
        self.last_end = span.end();
        let table = match self.header_keys.as_slice() {
            [name] if array => Table::of(name),
            _ => None,
        };
        self.current = table.map(|table| Entry {
            table,
            header: (self.header_start, span.end()),
            end: span.end(),
            id: None,
            name: None,
            term: None,
            module: None,
        });
    }
}

impl EventReceiver for Collector<'_> {
    fn std_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.open_header(span);
    }
    fn std_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.close_header(span, false);
    }
    fn array_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.open_header(span);
    }
    fn array_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.close_header(span, true);
    }
    fn inline_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        self.last_end = span.end();
        true
    }
    fn inline_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        self.last_end = span.end();
    }
    fn array_open(&mut self, span: Span, _: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        self.last_end = span.end();
        true
    }
    fn array_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        self.last_end = span.end();
    }
    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, _: &mut dyn ErrorSink) {
        let key = self.decode(span, encoding, true);
        self.last_end = span.end();
        if self.in_header {
            self.header_keys.push(key);
        } else if self.depth == 0 {
            if self.key.is_some() {
                self.dotted = true;
            }
            self.key = Some(key);
        }
    }
    fn key_sep(&mut self, _: Span, _: &mut dyn ErrorSink) {
        if !self.in_header && self.depth == 0 {
            self.dotted = true;
        }
    }
    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, _: &mut dyn ErrorSink) {
        self.last_end = span.end();
        if self.depth != 0 || self.dotted {
            return;
        }
        let (Some(key), Some(entry)) = (self.key.as_deref(), self.current.as_ref()) else {
            return;
        };
        let wanted = matches!(key, "id" | "name" | "title" | "term" | "module");
        if !wanted || encoding.is_none() {
            return;
        }
        let value = self.decode(span, encoding, false);
        // Quotes excluded from the value's range.
        let quotes = match encoding {
            Some(Encoding::MlBasicString | Encoding::MlLiteralString) => 3,
            _ => 1,
        };
        let inner = (
            (span.start() + quotes).min(span.end()),
            span.end().saturating_sub(quotes).max(span.start()),
        );
        let field = Field { value, span: inner };
        let title_key = if entry.table == Table::Exercise {
            "title"
        } else {
            "name"
        };
        if let Some(entry) = self.current.as_mut() {
            match key {
                "id" => entry.id = Some(field),
                k if k == title_key => entry.name = Some(field),
                "term" => entry.term = Some(field.value),
                "module" => entry.module = Some(field.value),
                _ => {}
            }
        }
    }
    fn newline(&mut self, _: Span, _: &mut dyn ErrorSink) {
        if self.depth == 0 {
            self.key = None;
            self.dotted = false;
        }
    }
    fn error(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.last_end = self.last_end.max(span.end());
    }
}

/// The entries of a pack file's text, in order.
pub fn entries(text: &str) -> Vec<Entry> {
    let tokens = Source::new(text).lex().into_vec();
    let mut collector = Collector {
        text,
        entries: Vec::new(),
        current: None,
        in_header: false,
        header_keys: Vec::new(),
        header_start: 0,
        depth: 0,
        key: None,
        dotted: false,
        last_end: 0,
    };
    parse_document(&tokens, &mut collector, &mut ());
    collector.finish_entry();
    collector.entries
}

/// An entry's ranges in the document: all of it, and its id (the header
/// when it has none).
pub fn ranges(open: &OpenDoc, state: &State, entry: &Entry) -> (Range, Range) {
    let doc = &open.doc;
    let at = |offset: usize| to_lsp(doc.lines().position(doc.text(), offset, state.encoding));
    let whole = Range::new(at(entry.header.0), at(entry.end));
    let selection = match &entry.id {
        Some(id) => Range::new(at(id.span.0), at(id.span.1)),
        None => Range::new(at(entry.header.0), at(entry.header.1)),
    };
    (whole, selection)
}

/// What an outline calls an entry: its name or title, else its id.
fn shown_name(entry: &Entry) -> String {
    let name = entry
        .name
        .as_ref()
        .or(entry.id.as_ref())
        .map(|f| f.value.trim())
        .filter(|n| !n.is_empty());
    match name {
        Some(name) => visible_controls(name).into_owned(),
        None => "(no id)".to_string(),
    }
}

fn kind(table: Table) -> SymbolKind {
    match table {
        // As in `workspace/symbol`: a glossary entry is a key.
        Table::Term => SymbolKind::KEY,
        Table::Exercise => SymbolKind::EVENT,
        Table::Practice => SymbolKind::FUNCTION,
        Table::Module => SymbolKind::MODULE,
    }
}

/// The entry each entry belongs under, when that one is in the same file:
/// a term under its module, an exercise or practice under its term.
fn parents(entries: &[Entry]) -> Vec<Option<usize>> {
    // One map per kind rather than a search per entry.
    let by_id = |table: Table| {
        let mut map = std::collections::HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if e.table == table
                && let Some(id) = &e.id
            {
                map.entry(id.value.as_str()).or_insert(i);
            }
        }
        map
    };
    let terms = by_id(Table::Term);
    let modules = by_id(Table::Module);
    entries
        .iter()
        .map(|e| match e.table {
            Table::Term => e.module.as_deref().and_then(|m| modules.get(m).copied()),
            Table::Exercise | Table::Practice => {
                e.term.as_deref().and_then(|t| terms.get(t).copied())
            }
            Table::Module => None,
        })
        .collect()
}

/// `textDocument/documentSymbol` in a pack file: its modules, terms,
/// exercises and practices, a term under its module and an exercise or
/// practice under its term when those are in the same file (each keeping
/// its own range). Flat `SymbolInformation` with a container name for a
/// client without hierarchical symbols.
#[allow(deprecated)] // `deprecated` fields must be set, to None
pub fn document_symbols(
    state: &State,
    params: &DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let open = state.docs.get(&uri_key(&params.text_document.uri))?;
    crate::pack_ids::pack_content(state, open)?;
    let entries = entries(open.doc.text());
    let parents = parents(&entries);
    if !state.hierarchical_symbols {
        let flat = entries
            .iter()
            .zip(&parents)
            .map(|(entry, parent)| SymbolInformation {
                name: shown_name(entry),
                kind: kind(entry.table),
                tags: None,
                deprecated: None,
                location: Location {
                    uri: open.uri.clone(),
                    range: ranges(open, state, entry).0,
                },
                container_name: parent.map(|p| shown_name(&entries[p])),
            })
            .collect();
        return Some(DocumentSymbolResponse::Flat(flat));
    }
    let mut nodes: Vec<Option<DocumentSymbol>> = entries
        .iter()
        .map(|entry| {
            let (range, selection_range) = ranges(open, state, entry);
            Some(DocumentSymbol {
                name: shown_name(entry),
                detail: entry
                    .id
                    .as_ref()
                    .map(|id| visible_controls(&id.value).into_owned()),
                kind: kind(entry.table),
                tags: None,
                deprecated: None,
                range,
                selection_range,
                children: None,
            })
        })
        .collect();
    // Children before parents: a module's terms carry their exercises.
    // Depth is at most two (module, term, exercise), so two passes.
    for pass in [Table::Exercise, Table::Term] {
        for i in 0..entries.len() {
            let moves = match pass {
                Table::Exercise => matches!(entries[i].table, Table::Exercise | Table::Practice),
                _ => entries[i].table == Table::Term,
            };
            if !moves {
                continue;
            }
            let Some(parent) = parents[i] else { continue };
            if let Some(child) = nodes[i].take() {
                match nodes[parent].as_mut() {
                    Some(p) => p.children.get_or_insert_with(Vec::new).push(child),
                    None => nodes[i] = Some(child),
                }
            }
        }
    }
    Some(DocumentSymbolResponse::Nested(
        nodes.into_iter().flatten().collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of the built-in course's files is found, each with its
    /// id; the time taken is printed beside a full `toml` parse of the
    /// same text, measured in the same run (the cost of an outline).
    #[test]
    fn every_entry_of_the_builtin_files_is_found() {
        let mut outline = std::time::Duration::ZERO;
        let mut parse = std::time::Duration::ZERO;
        let mut total = 0;
        for file in llmops_core::content::BUILTIN_FILES {
            let headers = file
                .source
                .lines()
                .filter(|l| {
                    ["[[term]]", "[[exercise]]", "[[practice]]", "[[module]]"].contains(&l.trim())
                })
                .count();
            let start = std::time::Instant::now();
            let found = entries(file.source);
            outline += start.elapsed();
            let start = std::time::Instant::now();
            let table: Result<toml::Table, _> = toml::from_str(file.source);
            parse += start.elapsed();
            assert!(table.is_ok(), "{}", file.path);
            assert_eq!(found.len(), headers, "{}", file.path);
            assert!(found.iter().all(|e| e.id.is_some()), "{}", file.path);
            total += found.len();
        }
        eprintln!("{total} entries: outline {outline:?}, toml::from_str {parse:?}");
    }

    #[test]
    fn entries_are_read_from_a_half_typed_pack() {
        let text = "imports = [\"a.toml\"]\n\n[[module]]\nid = \"m\"\nname = \"Mod\"\n\n[[term]]\nid = \"t1\"\nname = \"Term \\u0031\"\nmodule = \"m\"\nrelated = [\n  \"t2\",\n]\n# trailing comment\n\n[[exercise]]\nid = 'e1'\nterm = \"t1\"\ntitle = \"Quiz\"\nchoices = [\"id = 'x'\"]\n\n[[term]]\nid = \"t2\"\nname = \"unclosed\n[meta]\nname = \"not an entry\"\n";
        let entries = entries(text);
        let summary: Vec<(Table, Option<&str>, Option<&str>)> = entries
            .iter()
            .map(|e| {
                (
                    e.table,
                    e.id.as_ref().map(|f| f.value.as_str()),
                    e.name.as_ref().map(|f| f.value.as_str()),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (Table::Module, Some("m"), Some("Mod")),
                (Table::Term, Some("t1"), Some("Term 1")),
                (Table::Exercise, Some("e1"), Some("Quiz")),
                // An unclosed string: what is typed so far.
                (Table::Term, Some("t2"), Some("unclosed")),
            ]
        );
        let term = &entries[1];
        assert_eq!(term.module.as_deref(), Some("m"));
        assert_eq!(&text[term.header.0..term.header.1], "[[term]]");
        // The entry ends at its last value, before the comment after it.
        assert!(text[..term.end].ends_with("]"), "{:?}", &text[..term.end]);
        assert_eq!(&text[entries[2].id.as_ref().unwrap().span.0..][..2], "e1");
        assert_eq!(entries[2].term.as_deref(), Some("t1"));
        assert_eq!(parents(&entries), vec![None, Some(0), Some(1), None]);
    }
}
