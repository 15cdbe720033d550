//! Where a term is defined: `textDocument/definition` points at the term's
//! entry in the pack that defines it, for pack authors (learners follow a
//! related term to its page, `llmops.termPage`). The built-in pack is
//! written out read-only so editors can open it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::{BUILTIN_FILES, BUILTIN_PREFIX, Origin};
use llmops_core::safe_file;
use llmops_core::text::{Encoding, LineIndex, Position as CorePosition};
use tower_lsp_server::ls_types::*;

use crate::convert::{from_lsp, to_lsp, uri_key};
use crate::state::State;

/// The most a built-in file is read to check it is up to date (they are
/// tens of KiB); anything bigger is not ours and is replaced.
const MAX_BUILTIN_BYTES: u64 = 4 * 1024 * 1024;

/// Writes the built-in pack files, read-only, under `data_dir` so editors
/// can open them (go to definition, links in hovers); returns their folder,
/// or a notice when it cannot be used. Files already up to date are left
/// alone. Called at initialize, outside any lock.
///
/// The data folder may be shared, so nothing in it is trusted
/// ([`llmops_core::safe_file`]): a `builtin-content` that is a link is
/// refused (built-in terms then have no definition to go to); a file in it
/// is compared without following a link, without blocking on a FIFO and
/// reading at most [`MAX_BUILTIN_BYTES`]; a new copy is written to a fresh
/// temporary created exclusively with its read-only mode, then renamed over
/// the old entry, which replaces a planted link or FIFO itself and never
/// touches (or `chmod`s) what a link points to.
pub fn write_builtin_files(data_dir: &Path) -> Result<PathBuf, String> {
    crate::state::assert_no_state_lock("writing the built-in files");
    let dir = data_dir.join("builtin-content");
    let failed = |e: std::io::Error| {
        format!(
            "llmops: the built-in pack cannot be written to {} ({e}); go to definition does not reach built-in terms",
            dir.display()
        )
    };
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
            return Err(failed(std::io::Error::other(
                "it is a symbolic link or not a folder; it is left untouched",
            )));
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(&dir).map_err(failed)?,
    }
    // What a server killed while writing these left behind.
    let names: Vec<&str> = BUILTIN_FILES
        .iter()
        .filter_map(|file| file.path.rsplit('/').next())
        .collect();
    safe_file::remove_stale_temporaries(&dir, &names);
    for file in BUILTIN_FILES {
        let Some(name) = file.path.rsplit('/').next() else {
            continue;
        };
        let path = dir.join(name);
        let current = safe_file::read(&path, MAX_BUILTIN_BYTES);
        if current.as_deref().ok() == Some(file.source.as_bytes()) {
            continue;
        }
        replace_read_only(&dir, name, &path, file.source).map_err(failed)?;
    }
    Ok(dir)
}

/// Writes `text` to a new read-only temporary in `dir` and renames it over
/// `path` (whatever entry is there: an older copy, a link, a FIFO).
fn replace_read_only(dir: &Path, name: &str, path: &Path, text: &str) -> std::io::Result<()> {
    // Read-only from creation (regenerated, so edits would be lost).
    let (mut tmp_file, tmp) = safe_file::create_temporary(dir, name, 0o444)?;
    let written = (|| {
        tmp_file.write_all(text.as_bytes())?;
        tmp_file.sync_all()?;
        #[cfg(not(unix))]
        {
            // No mode at creation elsewhere: set it on the file we opened,
            // and let the rename replace a read-only copy.
            let mut perms = tmp_file.metadata()?.permissions();
            perms.set_readonly(true);
            tmp_file.set_permissions(perms)?;
            if let Ok(meta) = std::fs::symlink_metadata(path)
                && meta.is_file()
            {
                let _ = std::fs::remove_file(path);
            }
        }
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A temporary a killed server left (its process is gone) is removed
    /// when the built-in files are written; one of a live writer stays.
    #[test]
    fn stale_temporaries_of_the_builtin_files_are_removed_at_start() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("builtin-content");
        std::fs::create_dir(&dir).unwrap();
        let name = BUILTIN_FILES[0].path.rsplit('/').next().unwrap();
        // Above Linux's largest pid (2^22), so no process has it.
        let dead = dir.join(format!(".{name}.4194999.7.tmp"));
        let live = dir.join(format!(".{name}.1.7.tmp"));
        std::fs::write(&dead, "half written").unwrap();
        std::fs::write(&live, "being written").unwrap();
        write_builtin_files(data.path()).unwrap();
        assert!(!dead.exists(), "the stale temporary is still there");
        assert!(live.exists(), "a live writer's temporary was removed");
        assert!(dir.join(name).is_file());
    }
}
