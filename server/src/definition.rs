//! Where a term is defined: `textDocument/definition` points at the term's
//! entry in the pack that defines it, for pack authors (learners follow a
//! related term to its page, `llmops.termPage`). The built-in pack is
//! written out read-only so editors can open it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::{BUILTIN_FILES, BUILTIN_PREFIX, Term};
use llmops_core::text::{LineIndex, Position as CorePosition};
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

/// The file that defines a term (built-in files are written out read-only).
fn term_file(term: &Term, builtin_dir: Option<&Path>) -> Option<PathBuf> {
    if term.origin.pack.starts_with(BUILTIN_PREFIX) {
        let name = term.origin.pack.rsplit('/').next()?;
        Some(builtin_dir?.join(name))
    } else {
        Some(PathBuf::from(&*term.origin.pack))
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
    let uri = Uri::from_file_path(term_file(term, state.builtin_dir.as_deref())?)?;
    let at = to_lsp(origin_position(state, term));
    Some(GotoDefinitionResponse::Scalar(Location {
        uri,
        range: Range::new(at, at),
    }))
}

/// Where a term's `id` value stands, in the negotiated encoding: origins
/// count UTF-8 bytes, and text before the id on its line (an inline table
/// with accented names) counts differently in UTF-16.
fn origin_position(state: &State, term: &Term) -> CorePosition {
    let fallback = CorePosition {
        line: term.origin.line,
        character: term.origin.column,
    };
    let text: Arc<str> = if term.origin.pack.starts_with(BUILTIN_PREFIX) {
        match BUILTIN_FILES.iter().find(|f| *term.origin.pack == *f.path) {
            Some(file) => Arc::from(file.source),
            None => return fallback,
        }
    } else {
        state.packs.text_of(Path::new(&*term.origin.pack))
    };
    let lines = LineIndex::new(&text);
    lines
        .line_content(&text, term.origin.line as usize)
        .map(|(start, end)| (start + term.origin.column as usize, end))
        .filter(|&(at, end)| at <= end && text.is_char_boundary(at))
        .map_or(fallback, |(at, _)| {
            lines.position(&text, at, state.encoding)
        })
}
