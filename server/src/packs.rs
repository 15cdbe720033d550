//! Team and user packs as the editor sees them: found at start, reloaded on
//! save or change on disk, checked as they are typed. The packs themselves
//! (parsing, last good version, merging) live in `llmops_core::packs`; the
//! errors go out through the publisher like every other diagnostic.

use std::path::{Path, PathBuf};

use llmops_core::content::Scope;

use serde_json::json;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;

use crate::convert::uri_key;
use crate::state::{Shared, State};

/// The scope of a pack file that may be loaded now: workspace packs are
/// skipped when the editor says the workspace is not trusted. Every way a
/// pack enters (start, typing, changes on disk) goes through this check.
fn loadable_scope(state: &State, path: &Path) -> Option<Scope> {
    let scope = state.packs.scope_of(path, &state.roots)?;
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
    state.rebuild_content();
}

/// Reloads packs changed on disk. Files are read with the state unlocked.
pub fn watched_files_changed(shared: &Shared, params: DidChangeWatchedFilesParams) {
    // Which events concern loadable packs, and whether the editor has them open.
    let events: Vec<(PathBuf, Scope, FileChangeType, Option<String>)> = {
        let state = shared.lock();
        params
            .changes
            .iter()
            .filter_map(|event| {
                let path = event.uri.to_file_path()?.into_owned();
                let scope = loadable_scope(&state, &path)?;
                // An open pack's editor text wins over the file on disk.
                let open_text = state
                    .docs
                    .get(&uri_key(&event.uri))
                    .map(|o| o.doc.text().to_string());
                Some((path, scope, event.typ, open_text))
            })
            .collect()
    };
    if events.is_empty() {
        return;
    }
    let loaded: Vec<(PathBuf, Scope, Option<String>)> = events
        .into_iter()
        .map(|(path, scope, typ, open_text)| {
            let source = if typ == FileChangeType::DELETED {
                None
            } else {
                open_text.or_else(|| std::fs::read_to_string(&path).ok())
            };
            (path, scope, source)
        })
        .collect();
    let mut state = shared.lock();
    for (path, scope, source) in loaded {
        match source {
            Some(source) => state.packs.update(&path, scope, &source),
            None => {
                state.packs.remove(&path);
                state.dirty_packs.insert(path);
            }
        }
    }
    state.rebuild_content();
    shared.wake.notify_one();
}

/// Asks the client to tell us when pack files change on disk, then
/// publishes the errors of packs loaded at start.
pub async fn register_watchers(shared: &Shared, client: &Client) {
    let (watch, user_dir) = {
        let state = shared.lock();
        let user_dir = state.packs.user_dir().map(Path::to_path_buf);
        (state.supports_watched_files, user_dir)
    };
    if watch {
        let mut watchers = vec![json!({"globPattern": "**/.llmops/*.toml"})];
        if let Some(dir) = user_dir {
            watchers.push(json!({"globPattern": format!("{}/*.toml", dir.display())}));
        }
        let registration = Registration {
            id: "llmops-packs".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: Some(json!({ "watchers": watchers })),
        };
        let _ = client.register_capability(vec![registration]).await;
    }
    let mut state = shared.lock();
    state.rebuild_content();
    shared.wake.notify_one();
}
