//! Where a term is defined: `textDocument/definition` and the links in
//! hovers point at the term's entry in the pack that defines it. The
//! built-in pack is written out read-only so editors can open it.

use std::path::PathBuf;

use llmops_core::content::{BUILTIN_FILES, BUILTIN_PREFIX, Term};
use llmops_core::text::Position as CorePosition;
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::state::State;

/// The folder where the built-in module files are written, one file each
/// (`latency.toml`, ...). Written at most once per process; the server
/// calls this at start, outside any lock, so hovers only read the cached
/// path.
pub fn builtin_file() -> Option<PathBuf> {
    static PATH: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(write_builtin_files).clone()
}

fn write_builtin_files() -> Option<PathBuf> {
    let dir = llmops_core::progress::default_data_dir()?.join("builtin-content");
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
fn term_file(term: &Term) -> Option<PathBuf> {
    if term.origin.pack.starts_with(BUILTIN_PREFIX) {
        let name = term.origin.pack.rsplit('/').next()?;
        Some(builtin_file()?.join(name))
    } else {
        Some(PathBuf::from(&*term.origin.pack))
    }
}

/// A `file://` link to a term's entry, with a `#L<line>` fragment.
pub fn term_link(term: &Term) -> Option<String> {
    let uri = Uri::from_file_path(term_file(term)?)?;
    Some(format!("{}#L{}", uri.as_str(), term.origin.line + 1))
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
    let uri = Uri::from_file_path(term_file(term)?)?;
    // Origins count UTF-8 bytes; pack ids are ASCII, so the column of the id
    // is the same in every encoding for the usual `id = "..."` line.
    let at = to_lsp(CorePosition {
        line: term.origin.line,
        character: term.origin.column,
    });
    Some(GotoDefinitionResponse::Scalar(Location {
        uri,
        range: Range::new(at, at),
    }))
}
