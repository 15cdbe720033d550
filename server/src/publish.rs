//! The one road out for diagnostics. Handlers only mark documents dirty
//! (or closed, or a pack file's errors stale) and wake this task; it
//! computes and sends every `textDocument/publishDiagnostics`, term hints
//! and pack errors alike, in one order, so a later publication can never be
//! overtaken by an earlier one.
//!
//! A client that declares pull diagnostics (`textDocument/diagnostic`) gets
//! its answers from [`pulled`], built by the same function ([`current`]),
//! and no pushes for its documents: the publisher then only asks it to pull
//! again (`workspace/diagnostic/refresh`) when something every document
//! depends on changed. The one push a pull client still gets is for pack
//! files that are not open: a client pulls only the documents it has open
//! (this server offers no workspace diagnostics), and a broken team pack
//! must still show where it is broken. When such a file opens, its pushed
//! errors are cleared, so the pulled ones never show twice.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use llmops_core::Content;
use llmops_core::content::PackError;
use llmops_core::course;
use llmops_core::learning::TermState;
use llmops_core::policy::{self, Finding, Learner, Settled};
use llmops_core::progress::ProgressData;
use tower_lsp_server::ls_types::*;

use crate::convert::{pack_diagnostics, severity, span_to_range};
use crate::diagnostics_json::{DiagnosticsJson, Tail};
use crate::protocol::{AvoidDiagnosticData, DiagnosticData};
use crate::render;
use crate::state::{Delivery, OpenDoc, Shared, State};
use crate::transport::Outbox;
use tower_lsp_server::Client;

/// What one wake-up publishes, gathered under the state lock.
enum Job {
    /// A document's diagnostics, already a JSON array (see
    /// [`crate::diagnostics_json`]), and the version they were computed for.
    Ready(Uri, Arc<Vec<u8>>, Option<i32>),
    /// Errors of a pack file that is not open, with the text they refer to
    /// (kept by the pack set: the file is never read again here, since it
    /// may have become a FIFO or a device since).
    PackFile(PathBuf, Vec<PackError>, Arc<str>),
}

/// Publishes diagnostics for dirty documents. Bursts of edits coalesce:
/// every edit is applied as it arrives, and whatever is dirty when this task
/// wakes is published once, with the version it was computed for.
pub async fn publish_loop(outbox: Outbox, client: Client, shared: Arc<Shared>) {
    let mut trimmer = crate::memory::Trimmer::default();
    loop {
        shared.wake.notified().await;
        // Let the client catch up first; edits keep applying meanwhile and
        // the next publication covers them all.
        outbox.wait_below(crate::transport::PUBLISH_LIMIT).await;
        let (jobs, encoding, closed, refresh) = {
            let mut state = shared.lock();
            let closed = state.closed.len();
            let refresh = std::mem::take(&mut state.refresh_pulls)
                && state.delivery == Delivery::Pull { refresh: true };
            let jobs = match state.delivery {
                Delivery::Push => gather(&mut state),
                Delivery::Pull { .. } => gather_for_pull(&mut state),
            };
            (jobs, state.encoding, closed, refresh)
        };
        // Serialized straight to bytes: for a document with a thousand
        // hints this is most of the cost of a keystroke.
        for job in jobs {
            let (uri, diagnostics, version) = match job {
                Job::Ready(uri, diagnostics, version) => (uri, diagnostics, version),
                Job::PackFile(path, errors, text) => {
                    let Some(uri) = Uri::from_file_path(&path) else {
                        continue;
                    };
                    let listed = pack_diagnostics(&errors, &text, encoding);
                    let bytes = DiagnosticsJson::from_list(&listed).finish();
                    (uri, Arc::new(bytes), None)
                }
            };
            // A newer publication for the same document replaces one the
            // client has not read yet.
            let (head, tail) = publish_params(&uri, version);
            outbox.notify_json_latest(
                "textDocument/publishDiagnostics",
                uri.as_str(),
                &[&head, &diagnostics, &tail],
            );
        }
        if refresh {
            // Not awaited here: the publisher never waits for the client.
            // Sent after this round's publications, so a test (or a client)
            // that sees the refresh has seen everything before it.
            let client = client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
        }
        let state = shared.lock();
        if !state.dirty.is_empty() {
            // More than one round's worth: go on without waiting.
            shared.wake.notify_one();
        }
        trimmer.published(closed, state.docs.len());
    }
}

/// `PublishDiagnosticsParams` as JSON, in three parts around a diagnostics
/// array already serialized (`{"uri":…,"diagnostics":`, the array,
/// `,"version":…}`; no version when there is none, as serde writes it), so
/// the array is copied once, into the message's frame.
fn publish_params(uri: &Uri, version: Option<i32>) -> (Vec<u8>, Vec<u8>) {
    let uri = serde_json::to_vec(uri).unwrap_or_else(|_| b"\"\"".to_vec());
    let mut head = Vec::with_capacity(uri.len() + 24);
    head.extend_from_slice(br#"{"uri":"#);
    head.extend_from_slice(&uri);
    head.extend_from_slice(br#","diagnostics":"#);
    let mut tail = Vec::with_capacity(24);
    if let Some(version) = version {
        tail.extend_from_slice(br#","version":"#);
        tail.extend_from_slice(itoa::Buffer::new().format(version).as_bytes());
    }
    tail.push(b'}');
    (head, tail)
}

/// Most documents whose diagnostics one wake-up computes. The rest wait for
/// the next round, so the diagnostics held in memory at once stay bounded
/// however many documents change together (10,000 opened at once took a
/// gigabyte when they were all computed before the first was sent).
const DOCUMENTS_PER_ROUND: usize = 64;

fn gather(state: &mut State) -> Vec<Job> {
    let mut dirty = Vec::new();
    while dirty.len() < DOCUMENTS_PER_ROUND
        && let Some(key) = state.dirty.pop_first()
    {
        // Published when its project's answer is in (`projects::apply`),
        // or, for a pack being typed, when the worker has checked its text
        // (`packs::drain`): each touches the document again.
        let checking = !state.pack_checks.is_empty()
            && state
                .docs
                .get(&key)
                .and_then(|o| o.path.as_ref())
                .is_some_and(|p| state.pack_checks.contains_key(p));
        if !state.awaiting_project.contains(&key) && !checking {
            dirty.push(key);
        }
    }
    let closed = std::mem::take(&mut state.closed);
    let packs = std::mem::take(&mut state.dirty_packs);
    let mut jobs: Vec<Job> = closed
        .into_iter()
        .map(|uri| Job::Ready(uri, Arc::new(b"[]".to_vec()), None))
        .collect();
    jobs.extend(packs.into_iter().filter_map(|path| {
        // An open pack is published as a document, with its editor text.
        let open = state.docs.values().any(|o| o.path.as_ref() == Some(&path));
        if open {
            return None;
        }
        let errors = state.packs.errors_for(&path);
        // A file with no errors now is only published (cleared) when its
        // errors were shown before.
        let shown = if errors.is_empty() {
            state.pack_errors_shown.remove(&path)
        } else {
            state.pack_errors_shown.insert(path.clone());
            true
        };
        let text = state.packs.text_of(&path);
        shown.then_some(Job::PackFile(path, errors, text))
    }));
    for key in &dirty {
        let Some(open) = state.docs.get(key) else {
            continue;
        };
        let version = open.doc.version;
        let uri = open.uri.clone();
        if let Some(bytes) = current(state, key) {
            jobs.push(Job::Ready(uri, bytes, Some(version)));
        }
    }
    jobs
}

/// The diagnostics of the open document `key` as they stand: its kept
/// publication while that still holds ([`Published::holds`]), else decided
/// anew (and kept when the cap cut them short). Starts the document's count
/// of changes afresh either way: what the client is given next was decided
/// from the text as it is now. `None` when the document is not open.
fn current(state: &mut State, key: &str) -> Option<Arc<Vec<u8>>> {
    let open = state.docs.get(key)?;
    let reused = open
        .published
        .as_ref()
        .filter(|p| p.holds(state, open))
        .map(|p| p.bytes.clone());
    let (bytes, fresh) = match reused {
        Some(bytes) => (bytes, None),
        None => {
            let (bytes, settled) = decide(state, open);
            let bytes = Arc::new(bytes);
            let published = settled.map(|settled| Published {
                result_id: None,
                bytes: bytes.clone(),
                settled,
                content: open.content.clone(),
                progress: state.progress.clone(),
            });
            (bytes, Some(published))
        }
    };
    let open = state.docs.get_mut(key)?;
    open.doc.settle();
    if let Some(fresh) = fresh {
        open.published = fresh;
    }
    if open.published.is_some() {
        keep_publication(state, key);
    }
    Some(bytes)
}

/// Most documents that keep their last publication: the ones being typed
/// in. A publication at the cap is about 260 KB; the documents edited
/// longest ago give theirs up first (and decide anew at their next edit).
pub const KEPT_PUBLICATIONS: usize = 8;

/// Records that `key` keeps a publication, just published (decided or
/// sent again), dropping the longest unpublished ones past
/// [`KEPT_PUBLICATIONS`]. Costs a pass over at most that many keys.
fn keep_publication(state: &mut State, key: &str) {
    state.kept_publications.retain(|k| k != key);
    state.kept_publications.push_back(key.to_owned());
    while state.kept_publications.len() > KEPT_PUBLICATIONS {
        if let Some(oldest) = state.kept_publications.pop_front()
            && let Some(open) = state.docs.get_mut(&oldest)
        {
            open.published = None;
        }
    }
}

/// What a document last published, kept when the cap cut its findings
/// short: a keystroke past the last one shown (most keystrokes in a long
/// file) changes nothing the client is shown, so the same bytes go out
/// again, with the new version, instead of up to 1,000 findings decided,
/// converted to positions and serialized anew.
///
/// Cost model: a publication that reuses costs one comparison of the
/// `ignore-file` markers' ids (usually none) and the bytes' copy into the
/// message; nothing per finding, nothing per line.
pub struct Published {
    bytes: Arc<Vec<u8>>,
    /// [`result_id`] of `bytes`, computed at the first pull that reuses
    /// them (a push client never pays for it): a pull client asking again
    /// with it is told `unchanged` without the bytes being read.
    result_id: Option<String>,
    /// What the findings were decided from in the document.
    settled: Settled,
    /// What they were decided from around it: kept whole, so the pointer
    /// comparisons below cannot be fooled by a freed and reused address.
    content: Arc<Content>,
    progress: Arc<ProgressData>,
}

impl Published {
    /// Whether publishing `open` now would send these bytes again. Settings,
    /// packs and a review falling due also clear it (`State::touch_all`);
    /// the checks here cover what changes without a touch. (A project's
    /// new answer re-spots the whole document, so `changed_from` covers it.)
    fn holds(&self, state: &State, open: &OpenDoc) -> bool {
        Arc::ptr_eq(&self.content, &open.content)
            && Arc::ptr_eq(&self.progress, &state.progress)
            && self.settled.still_holds(
                open.policy_ref(open.doc.hits()),
                open.doc.changed_from(),
                &state.settings.policy,
            )
    }
}

/// A pull client's round: its documents are pulled, so nothing dirty or
/// closed is pushed; only pack files that are not open (which it cannot
/// pull) get their errors pushed, and an open one's pushed errors cleared.
fn gather_for_pull(state: &mut State) -> Vec<Job> {
    state.dirty.clear();
    state.closed.clear();
    let packs = std::mem::take(&mut state.dirty_packs);
    let mut jobs = Vec::new();
    for path in packs {
        if let Some(open) = state.docs.values().find(|o| o.path.as_ref() == Some(&path)) {
            if state.pack_errors_shown.remove(&path) {
                jobs.push(Job::Ready(open.uri.clone(), Arc::new(b"[]".to_vec()), None));
            }
            continue;
        }
        let errors = state.packs.errors_for(&path);
        let shown = if errors.is_empty() {
            state.pack_errors_shown.remove(&path)
        } else {
            state.pack_errors_shown.insert(path.clone());
            true
        };
        let text = state.packs.text_of(&path);
        if shown {
            jobs.push(Job::PackFile(path, errors, text));
        }
    }
    jobs
}

/// The answer to `textDocument/diagnostic`: the same diagnostics a push
/// would carry ([`current`]: the kept publication while it holds, else
/// [`decide`]d anew), with a `resultId` that is a hash of them,
/// so a client asking again with that id is told `unchanged` when nothing
/// it would be shown differs. A keystroke past the last finding of a
/// capped document (what most keystrokes in a long file are) then costs a
/// comparison of two ids: nothing decided, hashed or sent.
pub fn pulled(
    state: &mut State,
    params: &DocumentDiagnosticParams,
) -> DocumentDiagnosticReportResult {
    let key = crate::convert::uri_key(&params.text_document.uri);
    let bytes = current(state, &key);
    // The id kept with the publication these bytes are (hashed once, at
    // its first pull), else one computed from bytes that are not kept.
    let kept_id = state
        .docs
        .get_mut(&key)
        .and_then(|open| open.published.as_mut())
        .filter(|p| bytes.as_ref().is_some_and(|b| Arc::ptr_eq(&p.bytes, b)))
        .map(|p| {
            let bytes = &p.bytes;
            p.result_id.get_or_insert_with(|| result_id(bytes)).clone()
        });
    let json: &[u8] = bytes.as_deref().map_or(b"[]", |b| b.as_slice());
    let result_id = kept_id.unwrap_or_else(|| result_id(json));
    let report = if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        })
    } else {
        // The publisher's JSON, read back into the report's type.
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(result_id),
                items: serde_json::from_slice(json).unwrap_or_default(),
            },
        })
    };
    DocumentDiagnosticReportResult::Report(report)
}

/// A report's identity: a hash of exactly what the client would be shown.
fn result_id(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Marks every document for publishing when a term's review date passed
/// since the last check, so "Review due" hints come back without an edit
/// (and a pull client is asked to pull). Called every few seconds; costs
/// one pass over the terms the learner has practised.
pub fn mark_terms_fallen_due(shared: &Shared) {
    let mut state = shared.lock();
    let now = state.clock.now();
    let since = state.due_checked_at;
    if now <= since {
        return;
    }
    state.due_checked_at = now;
    let fell_due = state
        .progress
        .memory
        .values()
        .any(|m| m.due_at > since && m.due_at <= now);
    if fell_due {
        state.touch_all();
        shared.wake.notify_one();
    }
}

/// Whether the editor's `exclude` globs (absolute, or relative to a
/// workspace root) leave a document out. Editor-only: the command line
/// walks what it is given and honours `.gitignore` instead.
pub(crate) fn excluded(state: &State, open: &OpenDoc) -> bool {
    let Some(path) = &open.path else {
        return false;
    };
    let mut candidates = vec![path.to_string_lossy().to_string()];
    for root in &state.roots {
        if let Ok(rel) = path.strip_prefix(root) {
            candidates.push(rel.to_string_lossy().to_string());
        }
    }
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    state.settings.excluded(&refs)
}

/// What the policy shows in a document (see `core::policy::findings`):
/// nothing in an excluded file or with hints turned off. Inlay hints show
/// on these too, so both follow the ignore markers, languages and the rest.
pub fn shown_findings(state: &State, open: &OpenDoc, learner: &Learner<'_>) -> Vec<Finding> {
    shown_and_settled(state, open, learner).0
}

/// [`shown_findings`], and what they were decided from when the cap cut
/// them short (`policy::shown`).
fn shown_and_settled(
    state: &State,
    open: &OpenDoc,
    learner: &Learner<'_>,
) -> (Vec<Finding>, Option<Settled>) {
    if severity(state.settings.severity).is_none()
        || !state.settings.policy.practices.terms()
        || excluded(state, open)
    {
        return (Vec::new(), None);
    }
    policy::shown(
        open.policy_ref(open.doc.hits()),
        &open.content,
        learner,
        &state.settings.policy,
    )
}

/// The diagnostics of one document under the current settings and progress,
/// as a JSON array: pack errors on a pack file, else the policy's findings
/// as term hints, then practices. Everything but a diagnostic's range is
/// serialized once per term or rule (cost model in
/// [`crate::diagnostics_json`]). With them, what they were decided from
/// when the cap cut the term hints short (practices then have no room
/// left: the cap is shared).
fn decide(state: &State, open: &OpenDoc) -> (Vec<u8>, Option<Settled>) {
    if let Some(path) = &open.path
        && state.packs.scope_of(path, &state.roots).is_some()
    {
        let errors = state.packs.errors_for(path);
        let listed = pack_diagnostics(&errors, open.doc.text(), state.encoding);
        return (DiagnosticsJson::from_list(&listed).finish(), None);
    }
    let Some(severity) = severity(state.settings.severity) else {
        return (DiagnosticsJson::with_capacity(0).finish(), None);
    };
    let doc = &open.doc;
    let content = &open.content;
    let learner = Learner::new(&state.progress, state.settings.mastery, state.clock.now());
    let (found, settled) = shown_and_settled(state, open, &learner);
    // Practices share the per-document cap with terms.
    let room = state
        .settings
        .policy
        .max_findings
        .saturating_sub(found.len());
    let practices = crate::practices::shown(state, open, &learner, room);
    let hits: Vec<_> = found.iter().map(|f| f.hit).collect();
    let spans = doc.spans(&hits, state.encoding);
    let mut out = DiagnosticsJson::with_capacity(found.len() + practices.len());
    // A term's message and data are the same at every occurrence: serialized
    // once per term, not once per hit (an avoided phrase's warning once per
    // term too, under its own key).
    let mut tails: HashMap<u32, Tail> = HashMap::new();
    let mut avoid_tails: HashMap<u32, Tail> = HashMap::new();
    for (finding, span) in found.iter().zip(spans) {
        let tail = if finding.avoided() {
            avoid_tails
                .entry(finding.hit.term)
                .or_insert_with(|| avoid_tail(content, finding))
        } else {
            tails.entry(finding.hit.term).or_insert_with(|| {
                let term = &content.terms[finding.hit.term as usize];
                let data = DiagnosticData {
                    term_id: term.id.clone(),
                    exercise_id: course::least_recently_seen(content, learner.data, &term.id)
                        .map(|e| e.id.clone()),
                    review_due: finding.state == TermState::Due,
                };
                let message = render::diagnostic_message(term, finding.state);
                Tail::new(severity, &term.id, &message, &data)
            })
        };
        out.push(span_to_range(span), tail);
    }
    crate::practices::diagnostics(state, open, &practices, &mut out);
    // A cut-short set leaves practices no room: nothing past it counts.
    let settled = settled.filter(|_| practices.is_empty());
    (out.finish(), settled)
}

/// Prefix of an avoided phrase's diagnostic `code`: `avoid:<term id>`.
pub const AVOID_PREFIX: &str = "avoid:";

/// The warning on a phrase the team avoids: always a warning, whatever the
/// hint severity, since it is a team rule rather than a lesson; its quick
/// fix is in `code_actions.rs`.
fn avoid_tail(content: &llmops_core::Content, finding: &Finding) -> Tail {
    let term = &content.terms[finding.hit.term as usize];
    let data = AvoidDiagnosticData {
        kind: "avoid".into(),
        term_id: term.id.clone(),
        preferred: render::shown_name(term).into_owned(),
    };
    Tail::new(
        DiagnosticSeverity::WARNING,
        &format!("{AVOID_PREFIX}{}", term.id),
        &render::avoid_message(term),
        &data,
    )
}

#[cfg(test)]
mod tests {
    /// Every source file of the server but `skip`, with its name and text.
    fn sources_but(skip: &[&str]) -> Vec<(std::path::PathBuf, String)> {
        let mut out = Vec::new();
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if !skip.contains(&name) {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path, text));
                }
            }
        }
        assert!(out.len() > 10);
        out
    }

    /// One road out: no module but this one sends diagnostics, so every
    /// publication (term hints, pack errors, clears) is ordered by it, and
    /// no module but this one answers a pull or asks for one.
    #[test]
    fn only_the_publisher_sends_diagnostics() {
        for (path, text) in sources_but(&["publish.rs"]) {
            // Every way to name the notification: the client method,
            // the lsp-types type (`PublishDiagnostics::METHOD`,
            // `send_notification::<PublishDiagnostics>`), its params
            // type and the method string, in any case or spacing.
            let folded: String = text
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            // And the pull road: a report (full or unchanged) and the
            // refresh are built and sent here only too.
            for banned in [
                "publishdiagnostics",
                "diagnosticsparams",
                "fulldocumentdiagnosticreport",
                "unchangeddocumentdiagnosticreport",
                "diagnosticrefresh",
            ] {
                assert!(
                    !folded.contains(banned),
                    "{} sends diagnostics itself ({banned})",
                    path.display()
                );
            }
        }
    }

    /// Servers in one process do not interfere: nothing in the serving path
    /// reads the environment, the working directory or the default data
    /// and pack folders. Only `main.rs`, the CLI (`cli.rs`, `ci_output.rs`)
    /// and `Config::from_env` (the binary's `serve`) may.
    #[test]
    fn the_serving_path_reads_no_environment() {
        let banned = [
            "env::var",
            "var_os(",
            "current_dir(",
            "PackSet::with_builtin(",
            "default_data_dir(",
            "user_pack_dir(",
            "Clock::from_env(",
            "dirs::data_dir(",
        ];
        // The command line and its output formats may read the working
        // directory.
        for (path, mut text) in sources_but(&["main.rs", "cli.rs", "ci_output.rs", "publish.rs"]) {
            // `Config::from_env` is the one place the binary's
            // surroundings are read.
            if path.ends_with("state.rs") {
                let start = text.find("pub fn from_env()").expect("Config::from_env");
                let end = start + text[start..].find("\n    }\n").expect("its end");
                text.replace_range(start..end, "");
            }
            for word in banned {
                assert!(
                    !text.contains(word),
                    "{} reads its surroundings ({word})",
                    path.display()
                );
            }
        }
    }
}
