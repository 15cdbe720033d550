//! What the server keeps between messages, and the two locks around it.
//!
//! `State` is behind one mutex that every handler takes briefly; nothing
//! slow runs under it. The progress store (file lock, read, fsync, rename)
//! has a mutex of its own: commands write through it first and then put a
//! snapshot of the new data into `State`, so a slow disk delays the command
//! that writes, never the keystrokes and hovers of everybody else. Lock
//! order is store, then state; nothing takes the store while holding state.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use llmops_core::clock::Clock;
use llmops_core::content::Content;
use llmops_core::document::Document;
use llmops_core::matcher::{LlmProjects, Matcher};
use llmops_core::packs::PackSet;
use llmops_core::progress::{ProgressData, ProgressStore};
use llmops_core::scopes::ScopedContent;
use llmops_core::text::{Encoding, MAX_TEXT_BYTES};
use tower_lsp_server::ls_types::{MessageType, Uri};

use crate::protocol::ClientFeatures;
use crate::settings::Settings;

/// A matcher with no phrases, for documents over `maxFileBytes`: they are
/// not scanned at all, so their size costs nothing but the text itself.
static NO_TERMS: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(std::iter::empty()));

/// The matcher to scan a document of `len` bytes with.
pub fn matcher_for<'a>(content: &'a Content, settings: &Settings, len: usize) -> &'a Matcher {
    scan_with(content, settings.policy.max_file_bytes, len)
}

/// [`matcher_for`] with the limit given directly.
pub fn scan_with(content: &Content, max_file_bytes: u64, len: usize) -> &Matcher {
    if len as u64 > max_file_bytes {
        &NO_TERMS
    } else {
        &content.matcher
    }
}

/// Everything a server takes from its surroundings: where it keeps and finds
/// things on disk, and the time. The binary takes them from the environment
/// once, at start; in-process tests give each server its own, so servers
/// side by side in one process never share a directory or a clock.
#[derive(Clone, Debug)]
pub struct Config {
    /// Progress and the built-in pack files; `None`: memory only.
    pub data_dir: Option<PathBuf>,
    /// The user's own packs.
    pub user_pack_dir: Option<PathBuf>,
    /// The time for reviews and progress (the system's by default).
    pub clock: Clock,
    /// The longest an open document may be: longer ones are not followed
    /// (see `Document::within`). The core's bound, [`MAX_TEXT_BYTES`],
    /// unless a test sets a lower one to reach it cheaply.
    pub max_document_bytes: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: None,
            user_pack_dir: None,
            clock: Clock::default(),
            max_document_bytes: MAX_TEXT_BYTES,
        }
    }
}

impl Config {
    /// The binary's configuration: directories as `llmops_core::dirs`
    /// derives them, and `LLMOPS_LSP_NOW` as a fixed clock when it is set.
    pub fn from_env() -> Config {
        Config {
            data_dir: llmops_core::dirs::data_dir(),
            user_pack_dir: llmops_core::dirs::user_pack_dir(),
            clock: Clock::from_env(),
            max_document_bytes: MAX_TEXT_BYTES,
        }
    }
}

/// An open document and what the editor told us about it.
pub struct OpenDoc {
    pub uri: Uri,
    /// The file behind `uri`, derived once at open rather than on every
    /// publish and keystroke; `None` for non-file URIs.
    pub path: Option<PathBuf>,
    pub language: String,
    pub doc: Document,
    /// The document's practice hits (`None` while it is too large to scan).
    pub practices: crate::practices::Hits,
    /// The content this document's folder sees (see
    /// `llmops_core::scopes`): chosen at open and when the packs change,
    /// so an edit looks nothing up.
    pub content: Arc<Content>,
    /// The last diagnostics published for this document, when the cap cut
    /// them short, so a keystroke past them sends them again as they are
    /// (`publish::Published`). Cleared by every [`Shared::touch`] and
    /// [`State::touch_all`]: an edit is the one change kept through.
    pub published: Option<crate::publish::Published>,
}

impl OpenDoc {
    /// The document as the policy reads it (`core::policy`), with its
    /// kept ignore markers and `hits` (the term hits, or none for the
    /// practice policy, which takes its own).
    pub fn policy_ref<'a>(
        &'a self,
        hits: &'a [llmops_core::matcher::Hit],
    ) -> llmops_core::policy::DocumentRef<'a> {
        llmops_core::policy::DocumentRef {
            hits,
            ..self.doc.policy_ref(self.path.as_deref(), &self.language)
        }
    }
}

/// Everything the server keeps between messages.
pub struct State {
    /// Every layer merged ([`ScopedContent::all`]): for what names a term
    /// or exercise without a document (commands by id, the glossary
    /// search). A document's own content is [`OpenDoc::content`].
    pub content: Arc<Content>,
    /// The content of each folder that holds a `.llmops/`.
    pub scoped: ScopedContent,
    pub packs: PackSet,
    pub docs: HashMap<String, OpenDoc>,
    pub encoding: Encoding,
    /// The learner's progress as last read or written by the store.
    pub progress: Arc<ProgressData>,
    pub settings: Settings,
    /// Documents whose diagnostics must be published again.
    pub dirty: BTreeSet<String>,
    /// Closed documents whose diagnostics must be cleared. Clearing goes
    /// through the publisher too, so a publication computed before the close
    /// can never arrive after the clear.
    pub closed: Vec<Uri>,
    /// Pack files that are not open whose errors must be published again.
    pub dirty_packs: BTreeSet<PathBuf>,
    /// Pack files that are not open whose last publication had errors.
    pub pack_errors_shown: BTreeSet<PathBuf>,
    /// Messages for the user, shown once the client is initialized.
    pub notices: Vec<(MessageType, String)>,
    pub roots: Vec<PathBuf>,
    /// The built-in pack files' read-only copy, written off the start's
    /// path (see `builtin_copy`).
    pub builtin: Arc<crate::builtin_copy::BuiltinCopy>,
    /// Which workspace folders depend on an LLM library (checked once each),
    /// so terms marked `context = "llm"` show in all of their files.
    pub llm_projects: LlmProjects,
    /// Open documents whose project is being checked (`projects.rs`): not
    /// published until the answer is in, so their first publication is
    /// already right. Keys as in `docs`.
    pub awaiting_project: std::collections::HashSet<String>,
    /// Open packs whose typed text waits for the pack worker's check, with
    /// the number of the latest text queued (`packs::document_changed`).
    /// Not published until that check is in: their errors come from the
    /// worker, so a publication before it would carry the new version with
    /// the old text's errors (a race a delayed `initialized` exposed: its
    /// `touch_all` published a pack mid-check).
    pub pack_checks: HashMap<PathBuf, u64>,
    /// Numbers handed out for `pack_checks`.
    pub pack_check_count: u64,
    /// Documents refused for their size (over `Config::max_document_bytes`,
    /// at open or by an edit): not followed, and changes to them ignored
    /// without a word, until they are closed. Keys as in `docs`.
    pub refused: std::collections::HashSet<String>,
    pub supports_configuration: bool,
    pub supports_watched_files: bool,
    /// The client applies edits that create files (`documentChanges` with
    /// the `create` resource operation): a new team pack can be an edit.
    pub create_files: bool,
    /// The client takes nested `DocumentSymbol`s (a pack file's outline,
    /// `pack_outline`); flat `SymbolInformation` otherwise.
    pub hierarchical_symbols: bool,
    /// What the client said it can do (`initializationOptions.client`).
    pub client: ClientFeatures,
    /// The time, from `Config`: every "now" of this server is read here.
    pub clock: Clock,
    /// How this client takes diagnostics (see `publish`).
    pub delivery: Delivery,
    /// Something every document depends on changed (settings, packs,
    /// progress, a term fell due): a pull client is asked to pull again.
    pub refresh_pulls: bool,
    /// Up to when review dates have been checked (see
    /// `publish::mark_terms_fallen_due`).
    pub due_checked_at: u64,
    /// How often each term is used in the workspace, for the lenses in
    /// pack files (counted in the background, see `workspace_uses`).
    pub uses: crate::workspace_uses::WorkspaceUses,
    /// The documents that keep their last publication
    /// ([`OpenDoc::published`]), most recent last: at most
    /// `publish::KEPT_PUBLICATIONS`, so 300 long documents open at once do
    /// not keep a quarter of a megabyte each.
    pub kept_publications: std::collections::VecDeque<String>,
}

/// How diagnostics reach the client: pushed by the publisher, or pulled by
/// the client (`textDocument/diagnostic`, when it declares the capability)
/// and asked to pull again when it supports that (see `publish`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    #[default]
    Push,
    Pull {
        refresh: bool,
    },
}

impl State {
    pub fn new(config: &Config) -> State {
        // `initialize` loads the packs and merges the content (with the
        // workspace's packs), and nothing is served before it, so the state
        // starts empty rather than building the matcher twice per start.
        let packs = PackSet::empty().with_user_dir(config.user_pack_dir.clone());
        let content = Arc::new(Content::merge::<llmops_core::content::Pack>(&[]).0);
        State {
            scoped: ScopedContent::single(content.clone()),
            content,
            packs,
            docs: HashMap::new(),
            encoding: Encoding::Utf16,
            progress: Arc::new(ProgressData::default()),
            settings: Settings::default(),
            dirty: BTreeSet::new(),
            closed: Vec::new(),
            dirty_packs: BTreeSet::new(),
            pack_errors_shown: BTreeSet::new(),
            notices: Vec::new(),
            roots: Vec::new(),
            builtin: Arc::new(crate::builtin_copy::BuiltinCopy::none()),
            llm_projects: LlmProjects::default(),
            awaiting_project: Default::default(),
            pack_checks: HashMap::new(),
            pack_check_count: 0,
            refused: Default::default(),
            supports_configuration: false,
            supports_watched_files: false,
            create_files: false,
            hierarchical_symbols: false,
            client: ClientFeatures::default(),
            due_checked_at: config.clock.now(),
            clock: config.clock.clone(),
            delivery: Delivery::Push,
            refresh_pulls: false,
            uses: Default::default(),
            kept_publications: Default::default(),
        }
    }

    /// Marks every open document for publishing (and a pull client for a
    /// refresh): what changed may touch any of them.
    pub fn touch_all(&mut self) {
        for open in self.docs.values_mut() {
            open.published = None;
        }
        self.dirty.extend(self.docs.keys().cloned());
        self.refresh_pulls = true;
    }

    /// Puts content merged elsewhere in place, gives each open document
    /// its folder's content and rescans it.
    pub fn install_content(&mut self, scoped: ScopedContent) {
        for open in self.docs.values_mut() {
            open.content = scoped.for_path(open.path.as_deref()).clone();
            let len = open.doc.text().len();
            open.doc
                .rescan(matcher_for(&open.content, &self.settings, len));
            let content = open.content.clone();
            crate::practices::rescan(open, &content, &self.settings.policy);
        }
        self.content = scoped.all().clone();
        self.scoped = scoped;
        self.touch_all();
        // Pack errors may have changed on files that are not open.
        let open: BTreeSet<PathBuf> = self.docs.values().filter_map(|o| o.path.clone()).collect();
        self.dirty_packs
            .extend(self.packs.paths().into_iter().filter(|p| !open.contains(p)));
    }
}

/// The state, locked. In builds with `test-hooks` it also counts, per
/// thread, that the state lock is held, so [`assert_no_state_lock`] catches
/// disk work done under it (the invariant "disk work never runs under the
/// state lock", checked on every road to the disk by every test).
pub struct StateGuard<'a> {
    guard: MutexGuard<'a, State>,
    #[cfg(feature = "test-hooks")]
    _held: lock_discipline::Held,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

#[cfg(feature = "test-hooks")]
mod lock_discipline {
    use std::cell::Cell;

    thread_local! {
        /// State guards alive on this thread.
        pub static HELD: Cell<u32> = const { Cell::new(0) };
    }

    pub struct Held;

    impl Held {
        pub fn new() -> Held {
            HELD.with(|h| h.set(h.get() + 1));
            Held
        }
    }

    impl Drop for Held {
        fn drop(&mut self) {
            HELD.with(|h| h.set(h.get().saturating_sub(1)));
        }
    }
}

/// Panics (in builds with `test-hooks`) when this thread holds the state
/// lock: called before disk work (the progress store, pack files,
/// manifests, the built-in files), which would otherwise stall every
/// handler behind a slow disk. A no-op in release builds.
pub fn assert_no_state_lock(what: &str) {
    #[cfg(feature = "test-hooks")]
    lock_discipline::HELD.with(|h| {
        assert!(h.get() == 0, "disk work ({what}) under the state lock");
    });
    #[cfg(not(feature = "test-hooks"))]
    let _ = what;
}

pub struct Shared {
    state: Mutex<State>,
    store: Mutex<ProgressStore>,
    /// Wakes the publisher.
    pub wake: tokio::sync::Notify,
    /// Packs waiting to be reloaded off the ordered path (see `packs`).
    pub reloads: crate::packs::Reloads,
    /// Save-retry rounds finished (`llmops.debug.retryRounds`).
    #[cfg(feature = "test-hooks")]
    pub retry_rounds: std::sync::atomic::AtomicU64,
}

/// Locks a mutex. A panic in another handler poisons it; the data is still
/// usable (every mutation leaves it consistent), so the server carries on
/// rather than failing every later request.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
            store: Mutex::new(ProgressStore::in_memory()),
            wake: tokio::sync::Notify::new(),
            reloads: Default::default(),
            #[cfg(feature = "test-hooks")]
            retry_rounds: Default::default(),
        }
    }

    pub fn lock(&self) -> StateGuard<'_> {
        StateGuard {
            guard: lock(&self.state),
            #[cfg(feature = "test-hooks")]
            _held: lock_discipline::Held::new(),
        }
    }

    /// Marks documents for publishing and wakes the publisher. What they
    /// last published is not reused: whatever changed may change it.
    pub fn touch<'a>(&self, state: &mut State, uris: impl IntoIterator<Item = &'a String>) {
        for key in uris {
            if let Some(open) = state.docs.get_mut(key) {
                open.published = None;
            }
            state.dirty.insert(key.clone());
        }
        self.wake.notify_one();
    }

    /// Marks a document whose text was edited for publishing: what it last
    /// published may be sent again if the edits lie past it (the document
    /// keeps where they begin, `Document::changed_from`).
    pub fn touch_edited(&self, state: &mut State, key: &str) {
        state.dirty.insert(key.to_owned());
        self.wake.notify_one();
    }

    /// Runs `work` on the progress store (where the disk work happens, with
    /// the state unlocked), then publishes the store's data to the state.
    pub fn with_store<T>(&self, work: impl FnOnce(&mut ProgressStore) -> T) -> T {
        assert_no_state_lock("the progress store");
        let mut store = lock(&self.store);
        let out = work(&mut store);
        self.publish_store(&store);
        out
    }

    /// The progress store unless another handler holds it (a command
    /// writing the file may hold it across an fsync on a slow disk).
    fn try_store(&self) -> Option<std::sync::MutexGuard<'_, ProgressStore>> {
        match self.store.try_lock() {
            Ok(store) => Some(store),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Makes the store's data the state's progress snapshot, if it changed.
    fn publish_store(&self, store: &ProgressStore) {
        let mut state = self.lock();
        if *state.progress != *store.data() {
            state.progress = Arc::new(store.data().clone());
        }
    }

    /// Replaces the store (at initialize, once the data directory is known).
    pub fn set_store(&self, store: ProgressStore) {
        self.with_store(|current| *current = store);
    }

    /// Picks up progress written by another editor window.
    pub fn refresh_progress(&self) {
        self.with_store(ProgressStore::refresh);
    }

    /// [`Self::refresh_progress`] for read-only requests (hover): skipped
    /// while a command holds the store, which refreshes it anyway, so a
    /// hover never waits for the progress file's disk.
    pub fn refresh_progress_if_idle(&self) {
        assert_no_state_lock("refreshing progress");
        if let Some(mut store) = self.try_store() {
            store.refresh();
            self.publish_store(&store);
        }
    }

    /// Retries saving changes a failed save left pending, unless the store
    /// is busy (a command is saving them right now). Blocking when there is
    /// something to save. Returns the notice that saving works again.
    pub fn retry_unsaved(&self) -> Option<llmops_core::progress::Notice> {
        assert_no_state_lock("retrying a save");
        let mut store = self.try_store()?;
        if store.unsaved() == 0 {
            return None;
        }
        // A short lock wait: every command waits for the store meanwhile.
        let notice = store.retry_within(llmops_core::progress::RETRY_LOCK_WAIT);
        self.publish_store(&store);
        notice
    }

    /// How many changes are kept in memory only, and why the last save
    /// failed; `None` when everything is saved.
    pub fn unsaved(&self) -> Option<(usize, String)> {
        let store = lock(&self.store);
        match store.unsaved() {
            0 => None,
            n => Some((
                n,
                store
                    .unsaved_reason()
                    .unwrap_or("unknown error")
                    .to_string(),
            )),
        }
    }
}
