//! Where a term is defined: `textDocument/definition` points at the term's
//! entry in the pack that defines it, for pack authors (learners follow a
//! related term to its page, `llmops.termPage`). The built-in pack is
//! written out read-only so editors can open it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::{BUILTIN_FILES, BUILTIN_PREFIX, Origin};
use llmops_core::text::{Encoding, LineIndex, Position as CorePosition};
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::state::State;

/// Writes the built-in pack files, read-only, under `data_dir` so editors
/// can open them (go to definition, links in hovers); returns their folder.
/// Files already up to date are left alone. Called at initialize, outside
/// any lock.
pub fn write_builtin_files(data_dir: &Path) -> Option<PathBuf> {
    crate::state::assert_no_state_lock("writing the built-in files");
    let dir = data_dir.join("builtin-content");
    std::fs::create_dir_all(&dir).ok()?;
    for file in BUILTIN_FILES {
        let name = file.path.rsplit('/').next()?;
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.source) {
            continue;
        }
        // A read-only copy from an older build: make it writable to replace it.
        if let Ok(meta) = std::fs::metadata(&path) {
            let mut perms = meta.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            let _ = std::fs::set_permissions(&path, perms);
        }
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, file.source).ok()?;
        std::fs::rename(&tmp, &path).ok()?;
        // Read-only: it is regenerated, edits would be lost.
        if let Ok(meta) = std::fs::metadata(&path) {
            let mut perms = meta.permissions();
            perms.set_readonly(true);
            let _ = std::fs::set_permissions(&path, perms);
        }
    }
    Some(dir)
}

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
        let uri = Uri::from_file_path(origin_file(origin, self.state.builtin_dir.as_deref())?)?;
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
    let term = state.content.terms.get(hit.term as usize)?;
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
