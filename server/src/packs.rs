//! Team and user packs as the editor sees them: found at start, reloaded on
//! save or change on disk, checked as they are typed. The packs themselves
//! (parsing, last good version, merging, safe reading) live in
//! `llmops_core::packs`; the errors go out through the publisher like every
//! other diagnostic.
//!
//! Reading and parsing a pack can take a while (a 100,000-term pack takes
//! most of a second), so none of it happens on the path that applies
//! notifications in order, nor under the state lock. Notifications only put
//! the pack in a [`Reloads`] queue, keyed by path so the latest version wins,
//! and one worker on the blocking pool drains it: it reads and parses with
//! no lock held, merges the packs with no lock held, and then takes the lock
//! once to install the result and re-spot the open documents. A storm of
//! watched-file events therefore reloads each pack once per batch and
//! re-spots open documents once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use llmops_core::content::Scope;
use llmops_core::matcher::MANIFESTS;
use llmops_core::packs::Parsed;
use llmops_core::scopes::{ScopedContent, workspace_pack_files};
use serde_json::json;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;

use crate::convert::uri_key;
use crate::state::{Shared, State};

/// How long the worker waits for the rest of a burst before reloading.
const BURST: Duration = Duration::from_millis(20);

/// Where a queued pack's new text comes from.
enum Source {
    /// The file on disk, read safely by the worker.
    Disk,
    /// The editor's text of an open pack, which wins over the file.
    Editor(String),
    /// The editor's text of an open pack just typed, with its number in
    /// [`State::pack_checks`]: the document is published once this text
    /// (or a later one) is checked.
    Typed(String, u64),
    Deleted,
}

#[derive(Default)]
struct Queue {
    pending: BTreeMap<PathBuf, (Scope, Source)>,
    running: bool,
}

/// Packs waiting to be reloaded, and whether the worker is on it.
#[derive(Default)]
pub struct Reloads(Mutex<Queue>);

impl Reloads {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The scope of a pack file that may be loaded now: workspace packs are
/// skipped when the editor says the workspace is not trusted. Every way a
/// pack enters (start, typing, changes on disk) goes through this check.
fn loadable_scope(state: &State, path: &Path) -> Option<Scope> {
    let scope = state.packs.scope_of(path, &state.roots)?;
    (scope != Scope::Workspace || state.settings.workspace_packs).then_some(scope)
}

/// After an open document changed: if it is a pack, queue its text to be
/// re-checked and return true (the worker publishes it once checked; until
/// then the publisher passes it by, see [`State::pack_checks`]).
/// Called with the state locked; costs one copy of the text.
pub fn document_changed(shared: &Arc<Shared>, state: &mut State, key: &str) -> bool {
    let Some(open) = state.docs.get(key) else {
        return false;
    };
    let Some(path) = &open.path else {
        return false;
    };
    let Some(scope) = loadable_scope(state, path) else {
        return false;
    };
    let text = open.doc.text().to_string();
    let path = path.clone();
    state.pack_check_count += 1;
    let check = state.pack_check_count;
    state.pack_checks.insert(path.clone(), check);
    queue(shared, [(path, scope, Source::Typed(text, check))]);
    true
}

/// Ends the waits of the open packs whose typed text this batch checked:
/// a wait ends only with the check of the latest text queued, so a
/// publication never pairs a new version with an older text's errors.
fn end_checks(state: &mut State, checked: &[(PathBuf, u64)]) {
    for (path, check) in checked {
        if state.pack_checks.get(path) == Some(check) {
            state.pack_checks.remove(path);
        }
    }
}

/// After an open pack closed: what is on disk counts again (unsaved edits
/// that were in use until now are dropped, and the file's own errors show).
pub fn document_closed(shared: &Arc<Shared>, state: &State, path: &Path) {
    if let Some(scope) = loadable_scope(state, path) {
        queue(shared, [(path.to_path_buf(), scope, Source::Disk)]);
    }
}

/// Queues packs changed on disk. Nothing is read here.
pub fn watched_files_changed(shared: &Arc<Shared>, params: DidChangeWatchedFilesParams) {
    let events: Vec<(PathBuf, Scope, Source)> = {
        let state = shared.lock();
        let mut events: Vec<(PathBuf, Scope, Source)> = Vec::new();
        for event in &params.changes {
            let Some(path) = event.uri.to_file_path() else {
                continue;
            };
            // A file that packs import: those packs are read again.
            for (importer, scope) in state.packs.importers_of(&path) {
                if loadable_scope(&state, &importer).is_some() {
                    events.push((importer, scope, Source::Disk));
                }
            }
        }
        events.extend(params.changes.iter().filter_map(|event| {
            let path = event.uri.to_file_path()?.into_owned();
            let scope = loadable_scope(&state, &path)?;
            let source = if event.typ == FileChangeType::DELETED {
                Source::Deleted
            } else if let Some(open) = state.docs.get(&uri_key(&event.uri)) {
                // An open pack's editor text wins over the file on disk.
                Source::Editor(open.doc.text().to_string())
            } else {
                Source::Disk
            };
            Some((path, scope, source))
        }));
        events
    };
    queue(shared, events);
}

/// After `workspacePacks` changed: loads every root's `.llmops/*.toml` when
/// it is now on, drops every workspace pack when it is now off, with no
/// restart. Editors with a trust mechanism turn it on once the user trusts
/// the folder and off again when a trusted pack changes (the Neovim plugin
/// does both). Called with the state locked; the folders are listed on the
/// blocking pool, and the packs read by the worker, like any other reload.
pub fn workspace_packs_switched(shared: &Arc<Shared>, state: &State) {
    if !state.settings.workspace_packs {
        let loaded: Vec<(PathBuf, Scope, Source)> = state
            .packs
            .paths()
            .into_iter()
            .filter(|p| state.packs.scope_of(p, &state.roots) == Some(Scope::Workspace))
            .map(|p| (p, Scope::Workspace, Source::Deleted))
            .collect();
        queue(shared, loaded);
        return;
    }
    load_folders(shared, state.roots.clone());
}

/// Folders added to or removed from a multi-root workspace
/// (`workspace/didChangeWorkspaceFolders`): the roots change, packs no
/// longer under any folder are dropped, and the new folders' packs are
/// loaded when workspace packs are on, all with no restart. Every document
/// is published again once the packs are in (the worker re-spots them).
/// Called with the state locked; as in [`workspace_packs_switched`], the
/// folders are listed on the blocking pool and read by the worker.
pub fn workspace_folders_changed(
    shared: &Arc<Shared>,
    state: &mut State,
    added: Vec<PathBuf>,
    removed: &[PathBuf],
) {
    let before = state.roots.clone();
    state.roots.retain(|r| !removed.contains(r));
    let added: Vec<PathBuf> = added
        .into_iter()
        .filter(|r| !state.roots.contains(r))
        .collect();
    state.roots.extend(added.iter().cloned());
    if state.roots == before {
        return;
    }
    let dropped: Vec<(PathBuf, Scope, Source)> = state
        .packs
        .paths()
        .into_iter()
        .filter(|p| {
            state.packs.scope_of(p, &before) == Some(Scope::Workspace)
                && state.packs.scope_of(p, &state.roots) != Some(Scope::Workspace)
        })
        .map(|p| (p, Scope::Workspace, Source::Deleted))
        .collect();
    queue(shared, dropped);
    if state.settings.workspace_packs && !added.is_empty() {
        load_folders(shared, added);
    }
    // Paths are shown relative to the folders, and uses are counted in
    // them: both follow the new set.
    crate::workspace_uses::content_changed(shared, state);
    state.touch_all();
    shared.wake.notify_one();
}

/// Lists the packs of `roots` on the blocking pool and queues them for the
/// worker (an open pack's editor text instead of its file).
fn load_folders(shared: &Arc<Shared>, roots: Vec<PathBuf>) {
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        crate::state::assert_no_state_lock("listing the workspace's pack folders");
        let (files, notice) = workspace_pack_files(&roots);
        let items: Vec<(PathBuf, Scope, Source)> = {
            let mut state = shared.lock();
            // Switched off again while the folders were listed.
            if !state.settings.workspace_packs {
                return;
            }
            if let Some(notice) = notice {
                state.notices.push((MessageType::WARNING, notice));
            }
            files
                .into_iter()
                .map(|path| {
                    // An open pack's editor text wins over the file on disk.
                    let open = state
                        .docs
                        .values()
                        .find(|d| d.path.as_deref() == Some(path.as_path()));
                    let source = match open {
                        Some(open) => Source::Editor(open.doc.text().to_string()),
                        None => Source::Disk,
                    };
                    (path, Scope::Workspace, source)
                })
                .collect()
        };
        queue(&shared, items);
    });
}

fn queue(shared: &Arc<Shared>, items: impl IntoIterator<Item = (PathBuf, Scope, Source)>) {
    let mut queue = shared.reloads.lock();
    for (path, scope, source) in items {
        queue.pending.insert(path, (scope, source));
    }
    if queue.pending.is_empty() || queue.running {
        return;
    }
    queue.running = true;
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || drain(&shared));
}

/// The worker: reloads queued packs batch by batch until none are left.
fn drain(shared: &Arc<Shared>) {
    let mut merged = false;
    loop {
        std::thread::sleep(BURST);
        let batch = {
            let mut queue = shared.reloads.lock();
            if queue.pending.is_empty() {
                queue.running = false;
                drop(queue);
                if merged {
                    // The storm is over: hand the memory of the contents it
                    // replaced back to the system (a 15 s storm of a
                    // 20,000-term pack left 39 -> 216 MiB resident).
                    crate::memory::trim();
                }
                return;
            }
            std::mem::take(&mut queue.pending)
        };
        let roots = shared.lock().roots.clone();
        let checked: Vec<(PathBuf, u64)> = batch
            .iter()
            .filter_map(|(path, (_, source))| match source {
                Source::Typed(_, check) => Some((path.clone(), *check)),
                _ => None,
            })
            .collect();
        let parsed: Vec<(PathBuf, Option<Parsed>)> = batch
            .into_iter()
            .map(|(path, (scope, source))| {
                let parsed = match source {
                    Source::Disk => {
                        crate::state::assert_no_state_lock("reading a pack file");
                        Some(Parsed::load(&path, scope, &roots))
                    }
                    Source::Editor(text) | Source::Typed(text, _) => {
                        crate::state::assert_no_state_lock("reading the packs a pack imports");
                        Some(Parsed::parse_with_imports(&path, scope, &text, &roots))
                    }
                    Source::Deleted => None,
                };
                (path, parsed)
            })
            .collect();
        let snapshot = {
            let mut state = shared.lock();
            let mut changed = false;
            let mut paths = Vec::new();
            for (path, parsed) in parsed {
                changed |= match parsed {
                    Some(parsed) => state.packs.apply(parsed),
                    None => {
                        // Its errors, if shown, are cleared.
                        state.dirty_packs.insert(path.clone());
                        state.packs.remove(&path)
                    }
                };
                paths.push(path);
            }
            if !changed {
                end_checks(&mut state, &checked);
                // Only errors changed (a pack mid-typing): republish them,
                // with no merge and no rescan of every open document.
                let mut open = Vec::new();
                for path in paths {
                    match state
                        .docs
                        .iter()
                        .find(|(_, o)| o.path.as_ref() == Some(&path))
                    {
                        Some((key, _)) => open.push(key.clone()),
                        None => {
                            state.dirty_packs.insert(path);
                        }
                    }
                }
                // A pull client may have pulled this text before it was
                // checked (it pulls right after each edit): ask it again.
                if !open.is_empty() {
                    state.refresh_pulls = true;
                }
                shared.touch(&mut state, &open);
                continue;
            }
            state.packs.scoped_snapshot()
        };
        // Merging (and compiling the matchers, one per folder holding a
        // `.llmops/`) is the slow part: no lock.
        let (scoped, errors) = ScopedContent::merge(&snapshot);
        merged = true;
        // This worker is the only one applying packs once the server runs,
        // so the set has not changed since the snapshot; a newer batch, if
        // queued, merges again.
        let old = {
            let mut state = shared.lock();
            state.packs.set_merge_errors(errors);
            end_checks(&mut state, &checked);
            let old = state.scoped.clone();
            state.install_content(scoped);
            // What a use is changed: the workspace is counted again.
            crate::workspace_uses::content_changed(shared, &mut state);
            old
        };
        shared.wake.notify_one();
        // The replaced content (a big pack's terms) is freed here, unlocked.
        drop(old);
    }
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
        // Packs, and the manifests that say whether a project uses an LLM
        // library (see projects.rs).
        let mut watchers = vec![
            json!({"globPattern": "**/.llmops/*.toml"}),
            // Files that packs import may be anywhere in the workspace.
            json!({"globPattern": "**/*.toml"}),
            json!({"globPattern": format!("**/{{{}}}", MANIFESTS.join(","))}),
            json!({"globPattern": "**/requirements*.txt"}),
        ];
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
    // The content was merged at initialize: publish the packs' errors and
    // re-spot what opened since, without merging again under the lock.
    let mut state = shared.lock();
    let scoped = state.scoped.clone();
    state.install_content(scoped);
    shared.wake.notify_one();
}
