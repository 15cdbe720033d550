//! How often each term is used in the workspace, for the lens on a pack's
//! terms ("used 14× in this workspace", `pack_lens`).
//!
//! The count is made by `llmops_core::usage` (the walker, filters and
//! policy `scan` uses, so the two agree) on the blocking pool, never on
//! the ordered notification path and never under the state lock: the
//! state only holds the result and what is waiting to be counted.
//!
//! - The first lens request in a trusted workspace starts the first count
//!   (lazily: a server whose user never opens a pack reads nothing) and,
//!   when the client can watch files, asks to hear of changes to any file.
//!   Until it ends, the lens shows the open files' count; then the client
//!   is asked to refresh its lenses (`workspace/codeLens/refresh`, when it
//!   says it supports that).
//! - A file changed, created or deleted on disk (a watched-file event, or
//!   an open document closed, its unsaved text dropped) is recounted
//!   alone: each file's uses are kept per term id with running totals, so
//!   a change costs reading that one file (and the ignore files of the
//!   folders above it) plus its few ids, whatever the workspace's size.
//!   Changes are gathered for [`DEBOUNCE`] first, so a burst of saves is
//!   one round.
//! - New content (a pack edited or reloaded, `workspacePacks` switched)
//!   changes what a use is, so the whole workspace is counted again, once
//!   the content has stood still for [`SETTLE`]; a count the content
//!   overtakes is cancelled between files. Meanwhile the lens keeps the
//!   last numbers and says it is recounting.
//! - An ignore file changed: counted again whole (what is walked changed).
//! - Workspace packs not trusted (`workspacePacks: false`): nothing is
//!   walked and the lens counts open files only, as before this count.
//!
//! Each walk stays within `usage::Budget` (files, bytes, time); past it
//! the lens says how far it got ("used ≥3× (first 5,000 files)").
//!
//! Open documents' current text wins over their files: the lens request
//! replaces an open file's stored uses by the policy's findings over the
//! hits the document keeps edit by edit (`open_uses`), O(its hits).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use llmops_core::Content;
use llmops_core::policy::{self, Learner};
use llmops_core::usage::{self, Budget, FileUses};
use serde_json::json;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Registration;

use crate::state::{OpenDoc, Shared, State};

/// How long changed files are gathered before they are recounted.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
/// How long the content must stand still before the workspace is counted
/// again (a pack being typed in reloads on every keystroke).
pub const SETTLE: Duration = Duration::from_millis(400);

/// Where the workspace count stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// No lens asked yet: nothing counted, nothing walked.
    #[default]
    NotAsked,
    /// The first count is running.
    FirstCount,
    /// Counted at least once (maybe recounting).
    Counted,
}

/// The workspace's uses per file and in total, and the work waiting.
#[derive(Default)]
pub struct WorkspaceUses {
    pub phase: Phase,
    /// Uses per file on disk: every file the walk counted (an empty list
    /// for a file that uses no term), so an open document knows it was
    /// walked.
    files: HashMap<PathBuf, FileUses>,
    /// The sum of `files`, per term id.
    totals: HashMap<Box<str>, u64>,
    /// The walk stopped at its budget: the totals are lower bounds.
    pub stopped: bool,
    /// The content and roots the counts belong to (not kept alive).
    counted_with: Option<(Weak<Content>, Vec<PathBuf>)>,
    /// When the content last changed (see [`SETTLE`]).
    content_changed_at: Option<Instant>,
    /// Files changed on disk since, to recount alone.
    dirty: BTreeSet<PathBuf>,
    /// The worker is on it.
    running: bool,
    /// The client, for `workspace/codeLens/refresh`; set at the first ask.
    client: Option<Client>,
    /// The client supports `workspace/codeLens/refresh`.
    pub refresh_support: bool,
    /// The budget of a walk (tests lower it through `llmops.debug`).
    pub budget: Budget,
}

/// What a lens reports for one term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Uses in the open files only (untrusted, or the first count runs).
    OpenFiles { uses: u64, counting: bool },
    /// Uses in the workspace; `within` is the files counted when the walk
    /// stopped at its budget; `recounting` while new content is counted.
    Workspace {
        uses: u64,
        within: Option<usize>,
        recounting: bool,
    },
}

impl WorkspaceUses {
    fn set_file(&mut self, path: PathBuf, uses: Option<FileUses>) {
        if let Some(old) = self.files.remove(&path) {
            for (id, n) in old {
                if let Some(total) = self.totals.get_mut(&id) {
                    *total = total.saturating_sub(u64::from(n));
                    if *total == 0 {
                        self.totals.remove(&id);
                    }
                }
            }
        }
        if let Some(uses) = uses {
            for (id, n) in &uses {
                *self.totals.entry(id.clone()).or_default() += u64::from(*n);
            }
            self.files.insert(path, uses);
        }
    }

    fn clear(&mut self) {
        self.files.clear();
        self.totals.clear();
        self.stopped = false;
        self.counted_with = None;
    }

    /// Whether the counts belong to the state's current content and roots.
    fn current(&self, state: &State) -> bool {
        self.counted_with.as_ref().is_some_and(|(content, roots)| {
            std::ptr::eq(content.as_ptr(), Arc::as_ptr(&state.content)) && *roots == state.roots
        })
    }
}

/// Whether the workspace may be walked: trusted, with a folder.
fn walkable(state: &State) -> bool {
    state.settings.workspace_packs && !state.roots.is_empty()
}

/// A lens was asked for: starts the first count (and a recount when the
/// content changed or files are waiting) if needed. Called with the state
/// locked; nothing is read here. Returns whether the file watcher for
/// every file should be registered now (the first count started).
pub fn asked(shared: &Arc<Shared>, state: &mut State, client: &Client) -> bool {
    if !walkable(state) {
        return false;
    }
    state.uses.client.get_or_insert_with(|| client.clone());
    let first = state.uses.phase == Phase::NotAsked;
    if first {
        state.uses.phase = Phase::FirstCount;
    }
    kick(shared, state);
    first && state.supports_watched_files
}

/// Asks the client to report changes to every file, so counts follow the
/// disk (a separate registration from the pack watchers, made only once a
/// count exists).
pub async fn watch_all_files(client: &Client) {
    let registration = Registration {
        id: "llmops-uses".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: Some(json!({ "watchers": [{"globPattern": "**/*"}] })),
    };
    let _ = client.register_capability(vec![registration]).await;
}

/// Files changed on disk (or an open document closed): recounted alone,
/// when a count exists. An ignore file changing means a whole recount.
pub fn files_changed(shared: &Arc<Shared>, state: &mut State, paths: Vec<PathBuf>) {
    if state.uses.phase == Phase::NotAsked {
        return;
    }
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str());
        if matches!(name, Some(".gitignore" | ".ignore" | "exclude")) {
            state.uses.counted_with = None;
        }
        state.uses.dirty.insert(path);
    }
    kick(shared, state);
}

/// The content changed (packs reloaded): counted again once it settles.
pub fn content_changed(shared: &Arc<Shared>, state: &mut State) {
    if state.uses.phase == Phase::NotAsked {
        return;
    }
    state.uses.content_changed_at = Some(Instant::now());
    kick(shared, state);
}

/// Starts the worker unless it runs or has nothing to do.
fn kick(shared: &Arc<Shared>, state: &mut State) {
    if state.uses.running || (state.uses.dirty.is_empty() && state.uses.current(state)) {
        return;
    }
    state.uses.running = true;
    let shared = shared.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || work(&shared, &handle));
}

/// One round of the worker.
enum Job {
    /// Walk every folder.
    Whole,
    /// Recount these files alone.
    Files(BTreeSet<PathBuf>),
}

/// The worker: counts until nothing is waiting, then asks the client to
/// refresh its lenses after each round that changed them.
fn work(shared: &Arc<Shared>, handle: &tokio::runtime::Handle) {
    loop {
        std::thread::sleep(DEBOUNCE);
        let (job, scoped, roots, packs, content, budget) = {
            let mut state = shared.lock();
            let state = &mut *state;
            if !walkable(state) {
                state.uses.clear();
                state.uses.dirty.clear();
                state.uses.running = false;
                return;
            }
            let settling = state
                .uses
                .content_changed_at
                .is_some_and(|at| at.elapsed() < SETTLE);
            let job = if !state.uses.current(state) {
                if settling {
                    continue;
                }
                state.uses.dirty.clear();
                Job::Whole
            } else if !state.uses.dirty.is_empty() {
                Job::Files(std::mem::take(&mut state.uses.dirty))
            } else {
                state.uses.running = false;
                return;
            };
            (
                job,
                state.scoped.clone(),
                state.roots.clone(),
                state.packs.files_read(),
                Arc::downgrade(&state.content),
                state.uses.budget,
            )
        };
        crate::state::assert_no_state_lock("counting the workspace's uses");
        let skip = |path: &Path| packs.contains(path);
        let overtaken = || {
            let state = shared.lock();
            !std::ptr::eq(content.as_ptr(), Arc::as_ptr(&state.content)) || !walkable(&state)
        };
        let changed = match job {
            Job::Whole => {
                let counted = usage::count_roots(&roots, &scoped, &skip, budget, &overtaken);
                let mut state = shared.lock();
                let state = &mut *state;
                if overtaken_in(state, &content) {
                    continue;
                }
                state.uses.clear();
                for (path, uses) in counted.files {
                    state.uses.set_file(path, Some(uses));
                }
                state.uses.stopped = counted.stopped;
                state.uses.counted_with = Some((content, roots));
                state.uses.phase = Phase::Counted;
                true
            }
            Job::Files(paths) => {
                let mut llm: HashMap<PathBuf, bool> = HashMap::new();
                let recounted: Vec<(PathBuf, Option<FileUses>)> = paths
                    .into_iter()
                    .map(|path| {
                        let uses = recount(&path, &roots, &scoped, &skip, &mut llm);
                        (path, uses)
                    })
                    .collect();
                let mut state = shared.lock();
                let state = &mut *state;
                if overtaken_in(state, &content) {
                    continue;
                }
                for (path, uses) in recounted {
                    // A folder deleted: every file counted under it goes.
                    if uses.is_none() {
                        let below: Vec<PathBuf> = state
                            .uses
                            .files
                            .keys()
                            .filter(|p| p.starts_with(&path) && **p != path)
                            .cloned()
                            .collect();
                        for gone in below {
                            state.uses.set_file(gone, None);
                        }
                    }
                    state.uses.set_file(path, uses);
                }
                true
            }
        };
        if changed {
            refresh(shared, handle);
        }
    }
}

fn overtaken_in(state: &State, content: &Weak<Content>) -> bool {
    !std::ptr::eq(content.as_ptr(), Arc::as_ptr(&state.content)) || !walkable(state)
}

/// One changed path's uses: `None` when a walk would not count it (gone,
/// not a regular file, ignored, a pack, outside every folder).
fn recount(
    path: &Path,
    roots: &[PathBuf],
    scoped: &llmops_core::scopes::ScopedContent,
    skip: &dyn Fn(&Path) -> bool,
    llm: &mut HashMap<PathBuf, bool>,
) -> Option<FileUses> {
    // The innermost folder holding it: the project `count_roots` used.
    let root = roots
        .iter()
        .filter(|r| path.starts_with(r))
        .max_by_key(|r| r.components().count())?;
    if skip(path) || !usage::walk_reaches(root, path) {
        return None;
    }
    let llm_project = *llm
        .entry(root.clone())
        .or_insert_with(|| llmops_core::matcher::project_uses_llm(root));
    usage::count_file(scoped, path, llm_project)
}

/// Asks the client to ask for its lenses again, when it can.
fn refresh(shared: &Shared, handle: &tokio::runtime::Handle) {
    let client = {
        let state = shared.lock();
        if !state.uses.refresh_support {
            return;
        }
        state.uses.client.clone()
    };
    if let Some(client) = client {
        handle.spawn(async move {
            let _ = client.code_lens_refresh().await;
        });
    }
}

/// An open document's uses under the counting policy, from the hits it
/// keeps edit by edit: O(its hits). `None` for a document too large to be
/// matched in the editor (`maxFileBytes`): its file's count stands.
fn open_uses(
    state: &State,
    open: &OpenDoc,
    index: &HashMap<u32, usize>,
    n: usize,
) -> Option<Vec<u64>> {
    let doc = &open.doc;
    if doc.text().len() as u64 > state.settings.policy.max_file_bytes {
        return None;
    }
    let mut counts = vec![0u64; n];
    if index.is_empty() {
        return Some(counts);
    }
    let progress = llmops_core::progress::ProgressData::default();
    let learner = Learner::new(&progress, 0, 0);
    let findings = policy::findings(
        open.policy_ref(doc.hits()),
        &open.content,
        &learner,
        &usage::counting_options(),
    );
    for finding in findings {
        if let Some(&i) = index.get(&finding.hit.term) {
            counts[i] += 1;
        }
    }
    Some(counts)
}

/// The uses of each of `ids` (in order) that a lens shows: the workspace's
/// when counted (open documents' text over their files), else the open
/// files'. Cost: the open documents' hits and one lookup per id.
pub fn counts(state: &State, ids: &[&str]) -> Vec<Count> {
    let workspace = walkable(state) && state.uses.phase == Phase::Counted;
    let mut open_counts = vec![0u64; ids.len()];
    let mut open_disk = vec![0u64; ids.len()];
    for open in state.docs.values() {
        if crate::pack_ids::pack_content(state, open).is_some() {
            continue;
        }
        let walked = open
            .path
            .as_ref()
            .and_then(|p| state.uses.files.get(p).map(|u| (p, u)));
        if workspace && walked.is_none() {
            continue;
        }
        // Ids mapped to this document's content's indexes once.
        let index: HashMap<u32, usize> = ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| Some((open.content.term_index_of(id)? as u32, i)))
            .collect();
        let live = if workspace {
            open_uses(state, open, &index, ids.len())
        } else {
            Some(raw_hits(open, &index, ids.len()))
        };
        let Some(live) = live else { continue };
        for (i, n) in live.into_iter().enumerate() {
            open_counts[i] += n;
        }
        if let Some((_, file)) = walked {
            for (i, id) in ids.iter().enumerate() {
                open_disk[i] += file
                    .iter()
                    .find(|(t, _)| &**t == *id)
                    .map_or(0, |(_, n)| u64::from(*n));
            }
        }
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            if !workspace {
                return Count::OpenFiles {
                    uses: open_counts[i],
                    counting: walkable(state) && state.uses.phase == Phase::FirstCount,
                };
            }
            let total = state.uses.totals.get(*id).copied().unwrap_or(0);
            Count::Workspace {
                uses: total.saturating_sub(open_disk[i]) + open_counts[i],
                within: state.uses.stopped.then_some(state.uses.files.len()),
                recounting: !state.uses.current(state),
            }
        })
        .collect()
}

/// Every hit of the ids in an open document (the count before the first
/// workspace count, as the lens always counted open files).
fn raw_hits(open: &OpenDoc, index: &HashMap<u32, usize>, n: usize) -> Vec<u64> {
    let mut counts = vec![0u64; n];
    for hit in open.doc.hits() {
        if let Some(&i) = index.get(&hit.term) {
            counts[i] += 1;
        }
    }
    counts
}
