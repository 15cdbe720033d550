//! Where a term is defined: `textDocument/definition` points at the term's
//! entry in the pack that defines it, for pack authors (learners follow a
//! related term to its page, `llmops.termPage`). The built-in pack's
//! entries point into its read-only copy ([`crate::builtin_copy`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::{BUILTIN_FILES, BUILTIN_PREFIX, Origin};
use llmops_core::text::{Encoding, LineIndex, Position as CorePosition};
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::state::State;

/// The file holding a definition (built-in files are written out read-only).
fn origin_file(origin: &Origin, builtin_dir: Option<&Path>) -> Option<PathBuf> {
    if origin.pack.starts_with(BUILTIN_PREFIX) {
        let name = origin.pack.rsplit('/').next()?;
        Some(builtin_dir?.join(name))
    } else {
        Some(PathBuf::from(&*origin.pack))
    }
}

/// Finds where terms and exercises are defined (their `id` in their pack
/// file) as LSP locations. Each pack's text is indexed once per locator, so
/// a `workspace/symbol` answer costs one pass per pack it names, not one per
/// entry.
pub struct Locator<'a> {
    state: &'a State,
    packs: HashMap<Arc<str>, (Arc<str>, LineIndex)>,
}

impl<'a> Locator<'a> {
    pub fn new(state: &'a State) -> Self {
        Locator {
            state,
            packs: HashMap::new(),
        }
    }

    pub fn locate(&mut self, origin: &Origin) -> Option<Location> {
        let uri = Uri::from_file_path(origin_file(origin, self.state.builtin.dir())?)?;
        let state = self.state;
        let (text, lines) = self.packs.entry(origin.pack.clone()).or_insert_with(|| {
            let text = pack_text(state, &origin.pack);
            let lines = LineIndex::new(&text);
            (text, lines)
        });
        let at = to_lsp(origin_position(text, lines, origin, state.encoding));
        Some(Location {
            uri,
            range: Range::new(at, at),
        })
    }
}

/// `textDocument/definition` on a term: its entry in the pack that defines it.
pub fn definition(
    state: &State,
    position: &TextDocumentPositionParams,
) -> Option<GotoDefinitionResponse> {
    let open = state.docs.get(&uri_key(&position.text_document.uri))?;
    let hit = open
        .doc
        .hit_at(from_lsp(position.position), state.encoding)?;
    let term = open.content.terms.get(hit.term as usize)?;
    Locator::new(state)
        .locate(&term.origin)
        .map(GotoDefinitionResponse::Scalar)
}

/// A pack file's text: the embedded source of a built-in file, else what
/// the pack set read (empty when it is gone).
fn pack_text(state: &State, pack: &str) -> Arc<str> {
    if pack.starts_with(BUILTIN_PREFIX) {
        match BUILTIN_FILES.iter().find(|f| *pack == *f.path) {
            Some(file) => Arc::from(file.source),
            None => Arc::from(""),
        }
    } else {
        state.packs.text_of(Path::new(pack))
    }
}

/// Where a definition's `id` value stands, in the negotiated encoding: origins
/// count UTF-8 bytes, and text before the id on its line (an inline table
/// with accented names) counts differently in UTF-16.
fn origin_position(
    text: &str,
    lines: &LineIndex,
    origin: &Origin,
    encoding: Encoding,
) -> CorePosition {
    let fallback = CorePosition {
        line: origin.line,
        character: origin.column,
    };
    lines
        .line_content(text, origin.line as usize)
        .map(|(start, end)| (start + origin.column as usize, end))
        .filter(|&(at, end)| at <= end && text.is_char_boundary(at))
        .map_or(fallback, |(at, _)| lines.position(text, at, encoding))
}
