//! Team and user packs: found at start, reloaded on save or change, checked
//! as they are typed, with their errors shown on the pack file itself.
//!
//! A pack that fails to parse keeps its last good version in use, so a typo
//! in a team pack never takes the glossary away. References to ids that no
//! pack defines are reported and dropped; the rest of the pack still works.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::content::{
    BUILTIN_PATH, BUILTIN_SOURCE, Content, Pack, PackError, Scope, builtin_pack,
};
use llmops_core::text::{LineIndex, Position as CorePosition};
use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::backend::{Backend, State, from_lsp, to_lsp, uri_key};

#[derive(Default)]
struct Slot {
    good: Option<Pack>,
    errors: Vec<PackError>,
}

/// Every pack in play, by path, with its last good version.
pub struct PackSet {
    builtin: Option<Pack>,
    slots: BTreeMap<PathBuf, (Scope, Slot)>,
    /// Errors found when merging (unknown references, ids clashing in a scope).
    merge_errors: Vec<PackError>,
}

pub use llmops_core::dirs::user_pack_dir;

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    files
}

impl PackSet {
    pub fn with_builtin() -> PackSet {
        PackSet {
            builtin: builtin_pack().ok(),
            slots: BTreeMap::new(),
            merge_errors: Vec::new(),
        }
    }

    /// Which scope a path's pack belongs to, if it is a pack path at all.
    pub fn scope_of(path: &Path, roots: &[PathBuf]) -> Option<Scope> {
        if path.extension().is_none_or(|x| x != "toml") {
            return None;
        }
        let parent = path.parent()?;
        if parent.file_name().is_some_and(|n| n == ".llmops")
            && (roots.is_empty() || roots.iter().any(|r| parent.starts_with(r)))
        {
            return Some(Scope::Workspace);
        }
        if user_pack_dir().is_some_and(|d| parent == d) {
            return Some(Scope::User);
        }
        None
    }

    /// Loads the user's packs and, when `workspace` is set, every root's
    /// `.llmops/*.toml`.
    pub fn load_roots(&mut self, roots: &[PathBuf], workspace: bool) -> Vec<String> {
        let roots = if workspace { roots } else { &[] };
        let mut files: Vec<(PathBuf, Scope)> = Vec::new();
        if let Some(dir) = user_pack_dir() {
            files.extend(toml_files(&dir).into_iter().map(|p| (p, Scope::User)));
        }
        for root in roots {
            files.extend(
                toml_files(&root.join(".llmops"))
                    .into_iter()
                    .map(|p| (p, Scope::Workspace)),
            );
        }
        let mut notices = Vec::new();
        for (path, scope) in files {
            match std::fs::read_to_string(&path) {
                Ok(source) => self.update(&path, scope, &source),
                Err(e) => notices.push(format!("llmops: cannot read pack {}: {e}", path.display())),
            }
        }
        let bad: usize = self
            .slots
            .values()
            .filter(|(_, s)| !s.errors.is_empty())
            .count();
        if bad > 0 {
            notices.push(format!(
                "llmops: {bad} content pack(s) have errors; see the Problems view. Their last good content is used."
            ));
        }
        notices
    }

    /// Parses a new version of a pack; on error, keeps the last good one.
    pub fn update(&mut self, path: &Path, scope: Scope, source: &str) {
        let (_, slot) = self
            .slots
            .entry(path.to_path_buf())
            .or_insert_with(|| (scope, Slot::default()));
        match Pack::parse(&path.to_string_lossy(), scope, source) {
            Ok(pack) => {
                slot.good = Some(pack);
                slot.errors.clear();
            }
            Err(errors) => slot.errors = errors,
        }
    }

    pub fn remove(&mut self, path: &Path) {
        self.slots.remove(path);
    }

    /// Merges the built-in pack with every good pack, user packs before
    /// workspace packs; remembers merge errors for [`errors_for`](Self::errors_for).
    pub fn merged(&self) -> (Content, Vec<PackError>) {
        let mut packs: Vec<Pack> = self.builtin.iter().cloned().collect();
        let mut ordered: Vec<&(Scope, Slot)> = self.slots.values().collect();
        ordered.sort_by_key(|(scope, _)| *scope);
        packs.extend(ordered.iter().filter_map(|(_, s)| s.good.clone()));
        Content::merge(&packs)
    }

    pub fn set_merge_errors(&mut self, errors: Vec<PackError>) {
        self.merge_errors = errors;
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.slots.keys().cloned().collect()
    }

    /// Every error to show on a pack file.
    pub fn errors_for(&self, path: &Path) -> Vec<PackError> {
        let name = path.to_string_lossy();
        let mut errors: Vec<PackError> = self
            .slots
            .get(path)
            .map(|(_, s)| s.errors.clone())
            .unwrap_or_default();
        // Merge errors refer to the last good version: only show them when
        // that is also the current text (no parse errors).
        if errors.is_empty() {
            errors.extend(
                self.merge_errors
                    .iter()
                    .filter(|e| *e.path == *name)
                    .cloned(),
            );
        }
        errors
    }
}

/// Pack errors as diagnostics on the pack file.
pub fn pack_diagnostics(errors: &[PackError], text: &str, state: &State) -> Vec<Diagnostic> {
    let lines = LineIndex::new(text);
    errors
        .iter()
        .map(|e| {
            let start = lines.position(text, e.range.start, state.encoding);
            let end = lines.position(text, e.range.end.max(e.range.start), state.encoding);
            Diagnostic {
                range: Range::new(to_lsp(start), to_lsp(end)),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("llmops".into()),
                code: Some(NumberOrString::String("pack".into())),
                message: e.message.clone(),
                ..Default::default()
            }
        })
        .collect()
}

fn rebuild(state: &mut State) {
    let (content, errors) = state.packs.merged();
    state.packs.set_merge_errors(errors);
    let content = Arc::new(content);
    for open in state.docs.values_mut() {
        open.doc.rescan(&content.matcher);
    }
    state.content = content;
    state.dirty.extend(state.docs.keys().cloned());
}

/// The scope of a pack file that may be loaded now: workspace packs are
/// skipped when the editor says the workspace is not trusted. Every way a
/// pack enters (start, typing, changes on disk) goes through this check.
fn loadable_scope(state: &State, path: &Path) -> Option<Scope> {
    let scope = PackSet::scope_of(path, &state.roots)?;
    (scope != Scope::Workspace || state.settings.workspace_packs).then_some(scope)
}

/// After an open document changed: if it is a pack, re-check it as typed.
pub fn document_changed(state: &mut State, key: &str) {
    let Some(open) = state.docs.get(key) else {
        return;
    };
    let Some(path) = &open.path else { return };
    let Some(scope) = loadable_scope(state, path) else {
        return;
    };
    let (path, text) = (path.clone(), open.doc.text().to_string());
    state.packs.update(&path, scope, &text);
    rebuild(state);
}

/// Reloads packs changed on disk.
pub async fn watched_files_changed(backend: &Backend, params: DidChangeWatchedFilesParams) {
    let mut unopened: Vec<(Uri, Vec<Diagnostic>)> = Vec::new();
    {
        let mut state = backend.shared.lock();
        let mut any = false;
        for event in params.changes {
            let Some(path) = event.uri.to_file_path().map(|p| p.into_owned()) else {
                continue;
            };
            let Some(scope) = loadable_scope(&state, &path) else {
                continue;
            };
            any = true;
            if event.typ == FileChangeType::DELETED {
                state.packs.remove(&path);
                unopened.push((event.uri.clone(), Vec::new()));
                continue;
            }
            // An open pack's editor text wins over the file on disk.
            let open_text = state
                .docs
                .get(&uri_key(&event.uri))
                .map(|o| o.doc.text().to_string());
            let source = open_text.or_else(|| std::fs::read_to_string(&path).ok());
            if let Some(source) = source {
                state.packs.update(&path, scope, &source);
            }
        }
        if !any {
            return;
        }
        rebuild(&mut state);
        for path in state.packs.paths() {
            let Some(uri) = Uri::from_file_path(&path) else {
                continue;
            };
            if state.docs.contains_key(&uri_key(&uri)) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let errors = state.packs.errors_for(&path);
            unopened.push((uri, pack_diagnostics(&errors, &text, &state)));
        }
        backend.shared.wake.notify_one();
    }
    for (uri, diagnostics) in unopened {
        backend
            .client
            .publish_diagnostics(uri, diagnostics, None)
            .await;
    }
}

/// Publishes errors of packs loaded at start that are not open.
pub async fn publish_startup_errors(backend: &Backend) {
    let batch: Vec<(Uri, Vec<Diagnostic>)> = {
        let mut state = backend.shared.lock();
        rebuild(&mut state);
        state
            .packs
            .paths()
            .into_iter()
            .filter_map(|path| {
                let errors = state.packs.errors_for(&path);
                if errors.is_empty() {
                    return None;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                Some((
                    Uri::from_file_path(&path)?,
                    pack_diagnostics(&errors, &text, &state),
                ))
            })
            .collect()
    };
    for (uri, diagnostics) in batch {
        backend
            .client
            .publish_diagnostics(uri, diagnostics, None)
            .await;
    }
}

/// Asks the client to tell us when pack files change on disk.
pub async fn register_watchers(backend: &Backend) {
    if !backend.shared.lock().supports_watched_files {
        publish_startup_errors(backend).await;
        return;
    }
    let mut watchers = vec![json!({"globPattern": "**/.llmops/*.toml"})];
    if let Some(dir) = user_pack_dir() {
        watchers.push(json!({"globPattern": format!("{}/*.toml", dir.display())}));
    }
    let registration = Registration {
        id: "llmops-packs".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: Some(json!({ "watchers": watchers })),
    };
    let _ = backend.client.register_capability(vec![registration]).await;
    publish_startup_errors(backend).await;
}

/// Where the built-in pack is written so editors can open it read-only.
/// Written at most once per process.
fn builtin_file() -> Option<PathBuf> {
    static PATH: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(write_builtin_file).clone()
}

fn write_builtin_file() -> Option<PathBuf> {
    let dir = llmops_core::progress::default_data_dir()?;
    let path = dir.join("builtin-content.toml");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(BUILTIN_SOURCE) {
        std::fs::create_dir_all(&dir).ok()?;
        let tmp = dir.join(".builtin-content.toml.tmp");
        std::fs::write(&tmp, BUILTIN_SOURCE).ok()?;
        std::fs::rename(&tmp, &path).ok()?;
        // Read-only: it is regenerated, edits would be lost.
        if let Ok(meta) = std::fs::metadata(&path) {
            let mut perms = meta.permissions();
            perms.set_readonly(true);
            let _ = std::fs::set_permissions(&path, perms);
        }
    }
    Some(path)
}

/// The file that defines a term (the built-in pack is written out read-only).
fn term_file(term: &llmops_core::content::Term) -> Option<PathBuf> {
    if &*term.origin.pack == BUILTIN_PATH {
        builtin_file()
    } else {
        Some(PathBuf::from(&*term.origin.pack))
    }
}

/// A `file://` link to a term's entry, with a `#L<line>` fragment.
pub fn term_link(term: &llmops_core::content::Term) -> Option<String> {
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
