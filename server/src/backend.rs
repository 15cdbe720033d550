//! The LSP adapter: turns protocol messages into calls on the core and core
//! results into protocol types. Holds no logic of its own beyond that.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use llmops_core::content::Content;
use llmops_core::document::{Change, Document, EditIssue, Span};
use llmops_core::learning::{TermState, term_state};
use llmops_core::progress::{ProgressStore, default_data_dir};
use llmops_core::text::{Encoding, Position as CorePosition};
use llmops_core::{clock, course};
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::commands;
use crate::ignore_comments::Silenced;
use crate::packs::PackSet;
use crate::render;
use crate::settings::{Settings, Severity};
use crate::transport::Outbox;

/// An open document and what the editor told us about it.
pub struct OpenDoc {
    pub uri: Uri,
    /// The file behind `uri`, derived once at open rather than on every
    /// publish and keystroke; `None` for non-file URIs.
    pub path: Option<PathBuf>,
    pub language: String,
    pub doc: Document,
}

/// Everything the server keeps between messages.
pub struct State {
    pub content: Arc<Content>,
    pub packs: PackSet,
    pub docs: HashMap<String, OpenDoc>,
    pub encoding: Encoding,
    pub progress: ProgressStore,
    pub settings: Settings,
    /// Documents whose diagnostics must be published again.
    pub dirty: BTreeSet<String>,
    /// Closed documents whose diagnostics must be cleared. Clearing goes
    /// through the publisher too, so a publication computed before the close
    /// can never arrive after the clear.
    pub closed: Vec<Uri>,
    /// Messages for the user, shown once the client is initialized.
    pub notices: Vec<(MessageType, String)>,
    pub roots: Vec<PathBuf>,
    pub supports_configuration: bool,
    pub supports_watched_files: bool,
}

pub struct Shared {
    pub state: Mutex<State>,
    pub wake: tokio::sync::Notify,
}

impl Shared {
    /// Locks the state. A panic in another handler poisons the mutex; the
    /// state is still usable (every mutation leaves it consistent), so the
    /// server carries on rather than failing every later request.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks documents for publishing and wakes the publisher.
    pub fn touch<'a>(&self, state: &mut State, uris: impl IntoIterator<Item = &'a String>) {
        state.dirty.extend(uris.into_iter().cloned());
        self.wake.notify_one();
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
}

pub fn to_lsp(p: CorePosition) -> Position {
    Position::new(p.line, p.character)
}

pub fn from_lsp(p: Position) -> CorePosition {
    CorePosition {
        line: p.line,
        character: p.character,
    }
}

pub fn span_to_range(s: Span) -> Range {
    Range::new(to_lsp(s.start), to_lsp(s.end))
}

pub fn uri_key(uri: &Uri) -> String {
    uri.as_str().to_string()
}

impl Backend {
    pub fn new(client: Client, outbox: Outbox) -> Backend {
        let packs = PackSet::with_builtin();
        let (content, _) = packs.merged();
        let state = State {
            content: Arc::new(content),
            packs,
            docs: HashMap::new(),
            encoding: Encoding::Utf16,
            progress: ProgressStore::in_memory(),
            settings: Settings::default(),
            dirty: BTreeSet::new(),
            closed: Vec::new(),
            notices: Vec::new(),
            roots: Vec::new(),
            supports_configuration: false,
            supports_watched_files: false,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            wake: tokio::sync::Notify::new(),
        });
        tokio::spawn(publish_loop(outbox, shared.clone()));
        Backend { client, shared }
    }

    pub async fn show_notices(&self) {
        let notices = std::mem::take(&mut self.shared.lock().notices);
        for (kind, message) in notices {
            self.client.show_message(kind, message).await;
        }
    }

    fn apply_settings(&self, value: &Value) {
        let (settings, problems) = Settings::from_json(value);
        let mut state = self.shared.lock();
        state.settings = settings;
        for problem in problems {
            state
                .notices
                .push((MessageType::WARNING, format!("llmops: {problem}")));
        }
        let all: Vec<String> = state.docs.keys().cloned().collect();
        self.shared.touch(&mut state, &all);
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

/// Publishes diagnostics for dirty documents. Bursts of edits coalesce:
/// every edit is applied as it arrives, and whatever is dirty when this task
/// wakes is published once, with the version it was computed for.
async fn publish_loop(outbox: Outbox, shared: Arc<Shared>) {
    loop {
        shared.wake.notified().await;
        // Let the client catch up first; edits keep applying meanwhile and
        // the next publication covers them all.
        outbox.wait_below(1 << 20).await;
        let batch: Vec<(Uri, Vec<Diagnostic>, Option<i32>)> = {
            let mut state = shared.lock();
            let dirty = std::mem::take(&mut state.dirty);
            let closed = std::mem::take(&mut state.closed);
            let cleared = closed.into_iter().map(|uri| (uri, Vec::new(), None));
            let published: Vec<_> = dirty
                .iter()
                .filter_map(|key| {
                    let open = state.docs.get(key)?;
                    Some((
                        open.uri.clone(),
                        diagnostics(&state, open),
                        Some(open.doc.version),
                    ))
                })
                .collect();
            cleared.chain(published).collect()
        };
        // Serialized straight to bytes: for a document with a thousand
        // hints this is most of the cost of a keystroke.
        for (uri, diagnostics, version) in batch {
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            };
            outbox.notify("textDocument/publishDiagnostics", &params);
        }
    }
}

/// Whether a document is spotted at all under the current settings.
pub fn spotting_enabled(state: &State, open: &OpenDoc) -> bool {
    let settings = &state.settings;
    if settings.severity == Severity::Off
        || !settings.language_enabled(&open.language)
        || open.doc.text().len() as u64 > settings.max_file_bytes
    {
        return false;
    }
    if let Some(path) = &open.path {
        let mut candidates = vec![path.to_string_lossy().to_string()];
        for root in &state.roots {
            if let Ok(rel) = path.strip_prefix(root) {
                candidates.push(rel.to_string_lossy().to_string());
            }
        }
        let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
        if settings.excluded(&refs) {
            return false;
        }
    }
    true
}

/// The diagnostics of one document under the current settings and progress.
pub fn diagnostics(state: &State, open: &OpenDoc) -> Vec<Diagnostic> {
    if let Some(path) = &open.path
        && PackSet::scope_of(path, &state.roots).is_some()
    {
        let errors = state.packs.errors_for(path);
        return crate::packs::pack_diagnostics(&errors, open.doc.text(), state);
    }
    if !spotting_enabled(state, open) {
        return Vec::new();
    }
    let settings = &state.settings;
    let doc = &open.doc;
    let silenced = Silenced::find(doc.text(), doc.lines());
    if silenced.file {
        return Vec::new();
    }
    let now = clock::now();
    let content = &state.content;
    let progress = state.progress.data();
    let mut seen = BTreeSet::new();
    let mut states: HashMap<u32, TermState> = HashMap::new();
    let mut chosen = Vec::new();
    for hit in doc.hits() {
        if chosen.len() >= settings.max_diagnostics {
            break;
        }
        let Some(term) = content.terms.get(hit.term as usize) else {
            continue;
        };
        let term_state = *states
            .entry(hit.term)
            .or_insert_with(|| term_state(progress, &term.id, settings.mastery, now));
        if term_state == TermState::Known {
            continue;
        }
        if settings.first_occurrence_only && !seen.insert(hit.term) {
            continue;
        }
        if !silenced.lines.is_empty() && silenced.covers(doc.lines().line_of(hit.start)) {
            continue;
        }
        chosen.push((*hit, term_state));
    }
    let hits: Vec<_> = chosen.iter().map(|(h, _)| *h).collect();
    let spans = doc.spans(&hits, state.encoding);
    let severity = match settings.severity {
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Warning => DiagnosticSeverity::WARNING,
        _ => DiagnosticSeverity::HINT,
    };
    // A term's message and data are the same at every occurrence: build
    // them once per term, not once per hit.
    let mut parts: HashMap<u32, (NumberOrString, String, Value)> = HashMap::new();
    chosen
        .iter()
        .zip(spans)
        .map(|((hit, term_state), span)| {
            let (code, message, data) = parts
                .entry(hit.term)
                .or_insert_with(|| {
                    let term = &content.terms[hit.term as usize];
                    (
                        NumberOrString::String(term.id.clone()),
                        render::diagnostic_message(term, *term_state),
                        json!({
                            "termId": term.id,
                            "exerciseId": term.exercise,
                            "reviewDue": *term_state == TermState::Due,
                        }),
                    )
                })
                .clone();
            Diagnostic {
                range: span_to_range(span),
                severity: Some(severity),
                code: Some(code),
                source: Some("llmops".into()),
                message,
                data: Some(data),
                ..Default::default()
            }
        })
        .collect()
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
        if let Some(options) = &params.initialization_options {
            self.apply_settings(options);
        }
        let (progress, notices) = ProgressStore::open(default_data_dir().as_deref());
        {
            let mut state = self.shared.lock();
            state.encoding = encoding;
            state.progress = progress;
            state.roots = roots.clone();
            state.supports_configuration = supports_configuration;
            state.supports_watched_files = supports_watched_files;
            state
                .notices
                .extend(notices.into_iter().map(|n| (MessageType::WARNING, n.0)));
            let workspace_packs = state.settings.workspace_packs;
            let notices = state.packs.load_roots(&roots, workspace_packs);
            state
                .notices
                .extend(notices.into_iter().map(|n| (MessageType::WARNING, n)));
            let (content, _) = state.packs.merged();
            state.content = Arc::new(content);
        }
        let position_encoding = Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        });
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "llmops-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding,
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                definition_provider: Some(OneOf::Left(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: commands::ALL.iter().map(|c| c.to_string()).collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let this = self.clone();
        tokio::spawn(async move {
            this.pull_configuration().await;
            crate::packs::register_watchers(&this).await;
            this.show_notices().await;
            let mut state = this.shared.lock();
            let all: Vec<String> = state.docs.keys().cloned().collect();
            this.shared.touch(&mut state, &all);
        });
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let key = uri_key(&item.uri);
        let mut state = self.shared.lock();
        let doc = Document::new(item.text, item.version, &state.content.matcher);
        state.docs.insert(
            key.clone(),
            OpenDoc {
                path: item.uri.to_file_path().map(|p| p.into_owned()),
                uri: item.uri,
                language: item.language_id,
                doc,
            },
        );
        crate::packs::document_changed(&mut state, &key);
        self.shared.touch(&mut state, [&key]);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let key = uri_key(&params.text_document.uri);
        let mut clamped = false;
        let mut unknown = false;
        'apply: {
            let mut state = self.shared.lock();
            let encoding = state.encoding;
            let content = state.content.clone();
            let Some(open) = state.docs.get_mut(&key) else {
                unknown = true;
                break 'apply;
            };
            for change in params.content_changes {
                let change = Change {
                    range: change.range.map(|r| Span {
                        start: from_lsp(r.start),
                        end: from_lsp(r.end),
                    }),
                    text: change.text,
                };
                if open.doc.apply(&change, encoding, &content.matcher) == Some(EditIssue::Clamped) {
                    clamped = true;
                }
            }
            open.doc.version = params.text_document.version;
            crate::packs::document_changed(&mut state, &key);
            self.shared.touch(&mut state, [&key]);
        }
        if unknown {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("llmops: ignored a change to {key}, which is not open"),
                )
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

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let key = uri_key(&params.text_document.uri);
        let mut state = self.shared.lock();
        crate::packs::document_changed(&mut state, &key);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let key = uri_key(&params.text_document.uri);
        let mut state = self.shared.lock();
        if state.docs.remove(&key).is_some() {
            state.dirty.remove(&key);
            state.closed.push(params.text_document.uri);
            self.shared.wake.notify_one();
        }
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
        crate::packs::watched_files_changed(self, params).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let position = params.text_document_position_params;
        let key = uri_key(&position.text_document.uri);
        let mut state = self.shared.lock();
        state.progress.refresh();
        let state = &*state;
        let Some(open) = state.docs.get(&key) else {
            return Ok(None);
        };
        let Some(hit) = open.doc.hit_at(from_lsp(position.position), state.encoding) else {
            return Ok(None);
        };
        let content = &state.content;
        let Some(term) = content.terms.get(hit.term as usize) else {
            return Ok(None);
        };
        let progress = state.progress.data();
        let completed = term
            .exercise
            .as_ref()
            .map(|e| progress.exercises.get(e).is_some_and(|r| r.completed));
        let term_state = term_state(progress, &term.id, state.settings.mastery, clock::now());
        let span = open.doc.spans(&[hit], state.encoding)[0];
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: render::hover_markdown(content, term, completed, term_state, |t| {
                    crate::packs::term_link(t)
                }),
            }),
            range: Some(span_to_range(span)),
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let state = self.shared.lock();
        Ok(commands::code_actions(&state, &params))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let state = self.shared.lock();
        Ok(crate::packs::definition(
            &state,
            &params.text_document_position_params,
        ))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let state = self.shared.lock();
        Ok(commands::inlay_hints(&state, &params))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        let (result, notices) = {
            let mut state = self.shared.lock();
            let result = commands::execute(&mut state, &params.command, &params.arguments);
            if result.as_ref().is_ok_and(|r| r.changed_learning) {
                let all: Vec<String> = state.docs.keys().cloned().collect();
                self.shared.touch(&mut state, &all);
            }
            (result, std::mem::take(&mut state.notices))
        };
        for (kind, message) in notices {
            self.client.show_message(kind, message).await;
        }
        result.map(|r| Some(r.value)).map_err(Error::invalid_params)
    }
}

pub fn standing_json(state: &State) -> Value {
    let mut value = serde_json::to_value(course::standing(&state.content, state.progress.data()))
        .unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        let now = clock::now();
        let mut known = 0;
        let mut due = 0;
        let mut terms = serde_json::Map::new();
        for term in &state.content.terms {
            let s = term_state(state.progress.data(), &term.id, state.settings.mastery, now);
            match s {
                TermState::Known => known += 1,
                TermState::Due => due += 1,
                _ => {}
            }
            if s != TermState::New {
                terms.insert(term.id.clone(), json!(s));
            }
        }
        map.insert("known".into(), json!(known));
        map.insert("due".into(), json!(due));
        map.insert("terms".into(), Value::Object(terms));
    }
    value
}
