//! The LSP adapter: turns protocol messages into calls on the state, the
//! core and the feature modules. It is the only module that knows the
//! `LanguageServer` trait; nothing imports it but `main`.

use std::path::PathBuf;
use std::sync::Arc;

use llmops_core::document::{Change, Document, EditIssue, TooLarge};
use llmops_core::policy::Learner;
use llmops_core::progress::ProgressStore;
use llmops_core::text::Encoding;
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::builtin_copy::BuiltinCopy;
use crate::convert::{encoding_kind, from_lsp, range_to_span, span_to_range, uri_key};
use crate::protocol::ClientFeatures;
use crate::settings::Settings;
use crate::state::{Config, Delivery, OpenDoc, Shared, State, matcher_for, scan_with};
use crate::transport::Outbox;
use crate::{
    code_actions, commands, definition, inlay_hints, origin, pack_ids, pack_lens, pack_outline,
    packs, projects, protocol, publish, render, symbols, term_completion, workspace_uses,
};

/// How often changes that a failed save left in memory are tried again, so
/// that they reach the disk soon after space returns, even if the learner
/// does nothing else. A retry while nothing is pending costs a `try_lock`.
pub const SAVE_RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Retries unsaved progress every [`SAVE_RETRY_EVERY`] until the server is
/// gone, telling the user when the changes are on disk again.
async fn retry_saves_loop(shared: std::sync::Weak<Shared>, client: Client) {
    let mut tick = tokio::time::interval(SAVE_RETRY_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        retry_saves(&shared, &client).await;
        publish::mark_terms_fallen_due(&shared);
        #[cfg(feature = "test-hooks")]
        shared
            .retry_rounds
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// One retry of unsaved progress (blocking only when there is some).
async fn retry_saves(shared: &Shared, client: &Client) {
    if let Some(notice) = blocking(|| shared.retry_unsaved()) {
        client.show_message(MessageType::INFO, notice.0).await;
    }
}

/// Runs disk work (a progress save) on this worker, telling the runtime it
/// blocks so other tasks move to another worker meanwhile. (In place rather
/// than on the blocking pool: no extra threads, each with its own allocator
/// arena, for quick work.) A current-thread runtime (an embedder's test)
/// cannot do that, and runs it inline.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => work(),
        _ => tokio::task::block_in_place(work),
    }
}

/// A notice as shown: notices quote pack file names and pack text, which a
/// cloned repository chooses, so invisible controls in them are marked.
fn shown_notice(message: String) -> String {
    match llmops_core::text::visible_controls(&message) {
        std::borrow::Cow::Borrowed(_) => message,
        std::borrow::Cow::Owned(marked) => marked,
    }
}

/// Cheap to clone: handlers that must ask the client something spawn a
/// clone, because state-changing notifications are handled inline by the
/// transport and must not wait for a client response (which the transport
/// could not read while they wait).
#[derive(Clone)]
pub struct Backend {
    pub client: Client,
    pub shared: Arc<Shared>,
    config: Arc<Config>,
}

impl Backend {
    pub fn new(client: Client, outbox: Outbox, config: Config) -> Backend {
        let shared = Arc::new(Shared::new(State::new(&config)));
        tokio::spawn(publish::publish_loop(
            outbox,
            client.clone(),
            shared.clone(),
        ));
        Backend {
            client,
            shared,
            config: Arc::new(config),
        }
    }

    /// Stops following document `key` (closed, or refused for its size):
    /// drops it and whatever waits on it, and has its diagnostics cleared.
    fn forget(&self, state: &mut State, key: &str) {
        if let Some(open) = state.docs.remove(key) {
            state.dirty.remove(key);
            state.awaiting_project.remove(key);
            state.closed.push(open.uri);
            if let Some(path) = &open.path {
                // Closed: no publication of it waits for a check any more.
                state.pack_checks.remove(path);
                packs::document_closed(&self.shared, state, path);
                // Its unsaved text no longer counts: the file's does.
                workspace_uses::files_changed(&self.shared, state, vec![path.clone()]);
            }
            self.shared.wake.notify_one();
        }
    }

    /// Tells the user a document is not followed for its size (once per
    /// refusal: later changes to it are ignored without a word).
    async fn refused_notice(&self, uri: &Uri, too_large: TooLarge) {
        self.client
            .show_message(
                MessageType::WARNING,
                format!(
                    "llmops: {} is not followed until it is closed and opened again: {too_large}",
                    uri.as_str()
                ),
            )
            .await;
    }

    async fn show_notices(&self) {
        let notices = std::mem::take(&mut self.shared.lock().notices);
        for (kind, message) in notices {
            self.client.show_message(kind, shown_notice(message)).await;
        }
    }

    fn apply_settings(&self, value: &Value) {
        let (settings, problems) = Settings::from_json(value);
        let mut state = self.shared.lock();
        let rescan = settings.policy.max_file_bytes != state.settings.policy.max_file_bytes
            || settings.policy.practices != state.settings.policy.practices;
        let switched = settings.workspace_packs != state.settings.workspace_packs;
        state.settings = settings;
        if switched {
            packs::workspace_packs_switched(&self.shared, &state);
        }
        if rescan {
            let scoped = state.scoped.clone();
            state.install_content(scoped);
        }
        for problem in problems {
            state
                .notices
                .push((MessageType::WARNING, format!("llmops: {problem}")));
        }
        state.touch_all();
        self.shared.wake.notify_one();
    }

    async fn pull_configuration(&self) {
        if !self.shared.lock().supports_configuration {
            return;
        }
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("llmops".into()),
        }];
        if let Ok(values) = self.client.configuration(items).await
            && let Some(value) = values.into_iter().next()
            && !value.is_null()
        {
            self.apply_settings(&value);
        }
    }
}

fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty()
            && let Some(path) = params.root_uri.as_ref().and_then(|u| u.to_file_path())
        {
            roots.push(path.into_owned());
        }
        let workspace = params.capabilities.workspace.as_ref();
        let supports_configuration = workspace.and_then(|w| w.configuration).unwrap_or(false);
        let supports_watched_files = workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        // Whether an edit may create a file (a new team pack).
        let create_files = workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .is_some_and(|e| {
                e.document_changes == Some(true)
                    && e.resource_operations
                        .as_ref()
                        .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create))
            });
        // Lenses asked for again once the workspace's uses are counted.
        let code_lens_refresh = workspace
            .and_then(|w| w.code_lens.as_ref())
            .and_then(|c| c.refresh_support)
            .unwrap_or(false);
        let hierarchical_symbols = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.document_symbol.as_ref())
            .and_then(|d| d.hierarchical_document_symbol_support)
            .unwrap_or(false);
        // Pull diagnostics for a client that declares them; push otherwise.
        let delivery = match &params.capabilities.text_document {
            Some(t) if t.diagnostic.is_some() => Delivery::Pull {
                refresh: workspace
                    .and_then(|w| w.diagnostics.as_ref())
                    .and_then(|d| d.refresh_support)
                    .unwrap_or(false),
            },
            _ => Delivery::Push,
        };
        if let Some(options) = &params.initialization_options {
            self.apply_settings(options);
        }
        let client_features =
            ClientFeatures::from_init_options(params.initialization_options.as_ref());
        // Disk work first, with the state unlocked: progress and packs. The
        // read-only copy of the built-in pack that definitions point into
        // is written on a thread of its own meanwhile.
        let data_dir = self.config.data_dir.as_deref();
        let builtin = Arc::new(BuiltinCopy::start(data_dir));
        crate::state::assert_no_state_lock("loading progress and packs at start");
        let (progress, progress_notices) = ProgressStore::open(data_dir);
        let workspace_packs = self.shared.lock().settings.workspace_packs;
        // The built-in course, decoded and merged while the process started
        // (`warm_start`); merged again, unlocked, only when the user's or
        // the workspace's packs add to it: a big team pack takes a while.
        let prepared = crate::warm_start::take();
        let mut pack_set = prepared
            .packs
            .with_user_dir(self.config.user_pack_dir.clone());
        let pack_notices = pack_set.load_roots(&roots, workspace_packs);
        let scoped = if pack_set.has_only_builtin() {
            prepared.scoped
        } else {
            pack_set.rebuild_scoped()
        };
        self.shared.set_store(progress);
        {
            let mut state = self.shared.lock();
            state.encoding = encoding;
            state.roots = roots;
            state.builtin = builtin;
            state.supports_configuration = supports_configuration;
            state.supports_watched_files = supports_watched_files;
            state.create_files = create_files;
            state.hierarchical_symbols = hierarchical_symbols;
            state.uses.refresh_support = code_lens_refresh;
            state.client = client_features;
            state.delivery = delivery;
            state.notices.extend(
                progress_notices
                    .into_iter()
                    .map(|n| (MessageType::WARNING, n.0)),
            );
            state
                .notices
                .extend(pack_notices.into_iter().map(|n| (MessageType::WARNING, n)));
            state.packs = pack_set;
            state.content = scoped.all().clone();
            state.scoped = scoped;
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "llmops-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        // Our own kinds only: nothing is a `quickfix` (see
                        // `code_actions.rs`).
                        code_action_kinds: Some(vec![
                            CodeActionKind::new(crate::code_actions::LEARN_KIND),
                            CodeActionKind::new(crate::code_actions::KNOWN_KIND),
                            CodeActionKind::new(crate::code_actions::IGNORE_KIND),
                            CodeActionKind::new(crate::authoring::AUTHOR_KIND),
                        ]),
                        ..Default::default()
                    },
                )),
                definition_provider: Some(OneOf::Left(true)),
                // Term and exercise ids inside pack files (`pack_ids.rs`);
                // term names while writing, when `completion` is on
                // (`term_completion.rs`).
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["\"".into()]),
                    ..Default::default()
                }),
                // A glossary search and a term's uses, for any editor.
                workspace_symbol_provider: Some(OneOf::Left(true)),
                // Folders added to or removed from a multi-root workspace
                // load and drop their packs (`packs::workspace_folders_changed`).
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                references_provider: Some(OneOf::Left(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                // Inside pack files only: their outline and a lens per term
                // (`pack_outline.rs`, `pack_lens.rs`); other documents get
                // none. The lenses come complete, so no resolve.
                document_symbol_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                diagnostic_provider: matches!(delivery, Delivery::Pull { .. }).then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("llmops".into()),
                        // Packs and progress, shared by every document,
                        // change what each one shows.
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        ..Default::default()
                    })
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: protocol::ALL_COMMANDS
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let paths = |folders: &[WorkspaceFolder]| -> Vec<PathBuf> {
            folders
                .iter()
                .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
                .collect()
        };
        let added = paths(&params.event.added);
        let removed = paths(&params.event.removed);
        let mut state = self.shared.lock();
        packs::workspace_folders_changed(&self.shared, &mut state, added, &removed);
    }

    async fn initialized(&self, _: InitializedParams) {
        tokio::spawn(retry_saves_loop(
            Arc::downgrade(&self.shared),
            self.client.clone(),
        ));
        let this = self.clone();
        tokio::spawn(async move {
            this.pull_configuration().await;
            packs::register_watchers(&this.shared, &this.client).await;
            // The built-in copy's notice, if writing it failed: waited for
            // here, off the async workers, so it shows with the others.
            let builtin = this.shared.lock().builtin.clone();
            if let Ok(Some(notice)) =
                tokio::task::spawn_blocking(move || builtin.notice().map(str::to_owned)).await
            {
                this.shared
                    .lock()
                    .notices
                    .push((MessageType::WARNING, notice));
            }
            this.show_notices().await;
            let mut state = this.shared.lock();
            state.touch_all();
            this.shared.wake.notify_one();
        });
    }

    async fn shutdown(&self) -> Result<()> {
        // Last chance for answers a full disk kept from being saved.
        let shared = self.shared.clone();
        let _ = tokio::task::spawn_blocking(move || shared.with_store(|s| s.retry())).await;
        // The built-in copy finished, so exiting never cuts it short (a
        // half-written temporary would only be removed at the next start).
        let builtin = self.shared.lock().builtin.clone();
        let _ = tokio::task::spawn_blocking(move || builtin.dir().is_some()).await;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let key = uri_key(&item.uri);
        // Any scheme's path: a `vscode-notebook-cell:` URI's is its
        // notebook's file, so a cell is placed in its notebook's project.
        let path = item.uri.to_file_path().map(|p| p.into_owned());
        // `None`: its project is being checked in the background; the
        // document is published once the answer is in.
        let llm_project = match &path {
            Some(p) => projects::llm_project(&self.shared, p),
            None => Some(false),
        };
        let uri = item.uri.clone();
        let refused = 'open: {
            let mut state = self.shared.lock();
            let content = state.scoped.for_path(path.as_deref()).clone();
            let matcher = matcher_for(&content, &state.settings, item.text.len());
            // The check may have ended since it was asked.
            let llm_project = llm_project.or_else(|| {
                let root =
                    llmops_core::matcher::LlmProjects::root_of(path.as_ref()?, &state.roots)?;
                state.llm_projects.known(&root)
            });
            let doc = match Document::within(
                self.config.max_document_bytes,
                item.text,
                item.version,
                llm_project.unwrap_or(false),
                matcher,
            ) {
                Ok(doc) => doc,
                Err(too_large) => {
                    state.refused.insert(key);
                    break 'open Some(too_large);
                }
            };
            let practices = crate::practices::scanned(
                &content,
                doc.text(),
                &item.language_id,
                &state.settings.policy,
            );
            state.refused.remove(&key);
            state.docs.insert(
                key.clone(),
                OpenDoc {
                    path,
                    uri: item.uri,
                    language: item.language_id,
                    doc,
                    practices,
                    content,
                    published: None,
                },
            );
            if !packs::document_changed(&self.shared, &mut state, &key) {
                if llm_project.is_some() {
                    self.shared.touch(&mut state, [&key]);
                } else {
                    state.awaiting_project.insert(key);
                }
            }
            None
        };
        if let Some(too_large) = refused {
            self.refused_notice(&uri, too_large).await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let key = uri_key(&params.text_document.uri);
        let mut clamped = false;
        let mut unknown = false;
        let mut refused = None;
        'apply: {
            let mut state = self.shared.lock();
            if state.refused.contains(&key) {
                // Said once, when it was refused.
                break 'apply;
            }
            let encoding = state.encoding;
            let max_file_bytes = state.settings.policy.max_file_bytes;
            // A copy: `open` below borrows the state (two short lists at most).
            let policy = state.settings.policy.clone();
            let Some(open) = state.docs.get_mut(&key) else {
                unknown = true;
                break 'apply;
            };
            let content = open.content.clone();
            for change in params.content_changes {
                let change = Change {
                    range: change.range.map(range_to_span),
                    text: change.text,
                };
                // Documents over `maxFileBytes` are not scanned; one that
                // crosses the limit is rescanned whole (or emptied) once.
                // A whole new text is scanned (or not) by its own size.
                let before = match change.range {
                    Some(_) => open.doc.text().len(),
                    None => change.text.len(),
                };
                let matcher = scan_with(&content, max_file_bytes, before);
                let replaced = crate::practices::replaced_range(&open.doc, &change, encoding);
                match open.doc.apply(&change, encoding, matcher) {
                    Some(EditIssue::Clamped) => clamped = true,
                    Some(EditIssue::TooLarge(too_large)) => {
                        // The document no longer follows the editor's
                        // copy: stop following it.
                        refused = Some(too_large);
                        break;
                    }
                    None => {}
                }
                crate::practices::changed(open, replaced, change.text.len(), &content, &policy);
                let after = open.doc.text().len();
                let now = scan_with(&content, max_file_bytes, after);
                if !std::ptr::eq(matcher, now) {
                    open.doc.rescan(now);
                }
            }
            if refused.is_some() {
                self.forget(&mut state, &key);
                state.refused.insert(key.clone());
                break 'apply;
            }
            open.doc.version = params.text_document.version;
            if !packs::document_changed(&self.shared, &mut state, &key) {
                self.shared.touch_edited(&mut state, &key);
            }
        }
        if unknown {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("llmops: ignored a change to {key}, which is not open"),
                )
                .await;
        }
        if let Some(too_large) = refused {
            self.refused_notice(&params.text_document.uri, too_large)
                .await;
        }
        if clamped {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("llmops: a change to {key} reached past the end of the document; it was clamped"),
                )
                .await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let key = uri_key(&params.text_document.uri);
        let mut state = self.shared.lock();
        state.refused.remove(&key);
        self.forget(&mut state, &key);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params.settings.is_null() || params.settings.as_object().is_some_and(|o| o.is_empty()) {
            let this = self.clone();
            tokio::spawn(async move {
                this.pull_configuration().await;
                this.show_notices().await;
            });
        } else {
            self.apply_settings(&params.settings);
            self.show_notices().await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let manifests = params
            .changes
            .iter()
            .filter_map(|event| event.uri.to_file_path())
            .filter(|path| llmops_core::matcher::is_manifest(path))
            .map(|path| path.into_owned())
            .collect();
        projects::manifests_changed(&self.shared, manifests);
        let changed: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|event| Some(event.uri.to_file_path()?.into_owned()))
            .collect();
        workspace_uses::files_changed(&self.shared, &mut self.shared.lock(), changed);
        packs::watched_files_changed(&self.shared, params);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let key = uri_key(&position.text_document.uri);
        self.shared.refresh_progress_if_idle();
        let state = self.shared.lock();
        // An id inside a pack file: what it names and where.
        if let Some(hover) = pack_ids::hover(&state, &position) {
            return Ok(Some(hover));
        }
        let Some(open) = state.docs.get(&key) else {
            return Ok(None);
        };
        if let Some(hover) = crate::practices::hover(&state, open, position.position) {
            return Ok(Some(hover));
        }
        let at = from_lsp(position.position);
        let hit = if open.doc.text().len() as u64 > state.settings.policy.max_file_bytes {
            // Not scanned (too big): look only at the lines around the cursor.
            let text = open.doc.text();
            open.doc
                .lines()
                .offset(text, at, state.encoding)
                .and_then(|offset| {
                    let llm_project = open.doc.llm_project();
                    open.content.matcher.hit_at(text, offset, llm_project)
                })
        } else {
            open.doc.hit_at(at, state.encoding)
        };
        let Some(hit) = hit else {
            return Ok(None);
        };
        let content = &open.content;
        let Some(term) = content.terms.get(hit.term as usize) else {
            return Ok(None);
        };
        let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
        let completed = learner.exercise_done(content, term);
        let term_state = learner.state(&term.id);
        let span = open.doc.spans(&[hit], state.encoding)[0];
        // Only a client that runs the Learn link gets the spot in it.
        let from = state.client.command_links.then(|| {
            origin::of_hit(
                &position.text_document.uri,
                open,
                &hit,
                &state.roots,
                state.encoding,
            )
        });
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: render::hover_markdown(
                    content,
                    term,
                    completed,
                    term_state,
                    render::HoverLinks {
                        commands: state.client.command_links,
                        from: from.as_ref(),
                    },
                ),
            }),
            range: Some(span_to_range(span)),
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let state = self.shared.lock();
        Ok(code_actions::code_actions(&state, &params))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let state = self.shared.lock();
        let at = &params.text_document_position_params;
        Ok(pack_ids::definition(&state, at).or_else(|| definition::definition(&state, at)))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let state = self.shared.lock();
        Ok(pack_ids::completion(&state, &params)
            .or_else(|| term_completion::completion(&state, &params)))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let state = self.shared.lock();
        Ok(pack_outline::document_symbols(&state, &params))
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let (lenses, watch) = {
            let mut state = self.shared.lock();
            // A lens in a pack starts the workspace count (in the
            // background), so this first answer already says it is
            // counting; other documents get none and start nothing.
            let watch = pack_lens::in_pack(&state, &params)
                && workspace_uses::asked(&self.shared, &mut state, &self.client);
            (pack_lens::code_lenses(&state, &params), watch)
        };
        if watch {
            let client = self.client.clone();
            tokio::spawn(async move { workspace_uses::watch_all_files(&client).await });
        }
        Ok(lenses)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let state = self.shared.lock();
        Ok(Some(WorkspaceSymbolResponse::Flat(
            symbols::workspace_symbols(&state, &params.query),
        )))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let state = self.shared.lock();
        Ok(symbols::references(&state, &params))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let mut state = self.shared.lock();
        Ok(publish::pulled(&mut state, &params))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let state = self.shared.lock();
        Ok(inlay_hints::inlay_hints(&state, &params))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        // Commands may write the progress file (lock, fsync).
        let result =
            blocking(|| commands::execute(&self.shared, &params.command, &params.arguments));
        let notices = {
            let mut state = self.shared.lock();
            if let Ok(r) = &result {
                if let Some(notice) = &r.notice {
                    state.notices.push((MessageType::WARNING, notice.0.clone()));
                }
                if r.changed_learning {
                    state.touch_all();
                    self.shared.wake.notify_one();
                }
            }
            std::mem::take(&mut state.notices)
        };
        for (kind, message) in notices {
            self.client.show_message(kind, shown_notice(message)).await;
        }
        result.map(|r| Some(r.value)).map_err(Error::from)
    }
}
