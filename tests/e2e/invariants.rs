//! Invariants of ARCHITECTURE.md that need more than one server or a
//! sequence of events to show: progress shared by two server processes
//! (one killed mid-run) is never torn and loses nothing acknowledged, and
//! publications never go back in a document's versions whatever the order
//! of notifications.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

/// Exercise ids of the built-in course, in course order.
fn exercise_ids() -> Vec<String> {
    let content = llmops_core::Content::builtin().expect("built-in content");
    content.exercises.iter().map(|e| e.id.clone()).collect()
}

/// Reads `progress.json` over and over until told to stop; every read
/// that finds the file must parse as JSON with the progress's fields
/// (a torn or half-written file would not). Returns the reads that found
/// the file.
fn watch_progress(path: &Path, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut reads = 0;
        while !stop.load(Ordering::SeqCst) {
            if let Ok(bytes) = std::fs::read(&path) {
                let value: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                    panic!(
                        "a torn progress.json ({e}): {}",
                        String::from_utf8_lossy(&bytes)
                    )
                });
                assert!(value.is_object(), "{value}");
                reads += 1;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        reads
    })
}

/// Processes: two real servers share one data folder (two editor windows),
/// one is killed with SIGKILL in the middle of the run and a third takes
/// its place. A reader checks every version of the file it sees; at the end
/// a fresh server has every answer either server acknowledged.
#[test]
fn two_processes_share_progress_and_a_killed_one_loses_nothing_acknowledged() {
    let data = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = watch_progress(&data.path().join("progress.json"), stop.clone());
    let start = || Start::process().data_dir(data.path());
    let mut a = Server::initialized(start(), json!({}), Value::Null).0;
    let mut b = Server::initialized(start(), json!({}), Value::Null).0;
    let ids = exercise_ids();
    let acknowledged = AtomicUsize::new(0);
    let answer = |server: &mut Server, id: &str| {
        let result = server.command_ok(
            "llmops.answerExercise",
            json!([{"exerciseId": id, "choice": right_choice(id)}]),
        );
        assert_eq!(result["correct"], true, "{result}");
        assert!(result.get("notSaved").is_none(), "{result}");
        acknowledged.fetch_add(1, Ordering::SeqCst);
    };
    for pair in ids[..24].chunks(2) {
        answer(&mut a, &pair[0]);
        answer(&mut b, &pair[1]);
    }
    // Killed between two answers of the other window's run: whatever `a`
    // acknowledged is on disk already.
    a.send_request(
        "workspace/executeCommand",
        json!({"command": "llmops.answerExercise", "arguments": [{"exerciseId": ids[24], "choice": right_choice(&ids[24])}]}),
    );
    a.kill();
    let mut c = Server::initialized(start(), json!({}), Value::Null).0;
    for pair in ids[25..41].chunks(2) {
        answer(&mut b, &pair[0]);
        answer(&mut c, &pair[1]);
    }
    assert!(b.stop().success());
    assert!(c.stop().success());
    stop.store(true, Ordering::SeqCst);
    let reads = reader.join().expect("the reader saw only whole files");
    assert!(reads > 0, "the reader never saw progress.json");
    let mut fresh = Server::initialized(start(), json!({}), Value::Null).0;
    let completed = fresh.command_ok("llmops.progress", json!([]))["completed"]
        .as_u64()
        .unwrap_or(0);
    let acked = acknowledged.load(Ordering::SeqCst) as u64;
    assert_eq!(acked, 40);
    // The answer sent just before the kill may or may not have landed.
    assert!(
        completed == acked || completed == acked + 1,
        "{completed} completed, {acked} acknowledged"
    );
}

/// Opens, closes, reopens, edits and configuration changes in a mixed
/// order over three documents: for each open session of a document the
/// published versions never go back, a close is followed by a clear, and
/// the last publication of each document is its last version's.
#[test]
fn publications_follow_versions_through_mixed_notifications() {
    let mut server = Server::new_default();
    let docs = ["file:///mix/a.md", "file:///mix/b.md", "file:///mix/c.py"];
    let settings = |severity: &str| json!({"settings": {"llmops": {"severity": severity}}});
    let mut last: BTreeMap<&str, (i64, String)> = BTreeMap::new();
    let text = |round: usize, i: usize| {
        format!(
            "TTFT {round} {i}\nmodel alias\n{}",
            "KV cache ".repeat(round % 3)
        )
    };
    for round in 0..30 {
        for (i, doc) in docs.iter().enumerate() {
            let language = if doc.ends_with(".py") {
                "python"
            } else {
                "markdown"
            };
            match (round + i) % 5 {
                0 => {
                    server.open_version(doc, language, &text(round, i), 1);
                    last.insert(doc, (1, text(round, i)));
                }
                4 if last.contains_key(doc) => {
                    server.notify(
                        "textDocument/didClose",
                        json!({"textDocument": {"uri": doc}}),
                    );
                    last.remove(doc);
                }
                _ => {
                    if let Some((version, _)) = last.get(doc).cloned() {
                        let new = text(round, i);
                        server.change(doc, version + 1, json!([{ "text": new }]));
                        last.insert(doc, (version + 1, new));
                    }
                }
            }
        }
        if round % 7 == 3 {
            server.notify(
                "workspace/didChangeConfiguration",
                settings(if round % 2 == 0 {
                    "hint"
                } else {
                    "information"
                }),
            );
        }
    }
    // A positive sync point for every open document: its last version's
    // publication. Then everything published for each is in.
    let mut seen: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for doc in docs {
        if let Some((version, _)) = last.get(doc) {
            seen.insert(doc, server.publications_through(doc, *version));
        }
    }
    assert!(!seen.is_empty(), "no document was left open");
    for (doc, publications) in &seen {
        let mut previous: Option<i64> = None;
        for p in publications {
            match p["params"]["version"].as_i64() {
                Some(v) => {
                    if let Some(before) = previous {
                        assert!(
                            v >= before || v == 1,
                            "{doc}: version {v} after {before}: {publications:#?}"
                        );
                    }
                    previous = Some(v);
                }
                // A clear after a close: the next session starts over.
                None => {
                    assert_eq!(p["params"]["diagnostics"], json!([]), "{p}");
                    previous = None;
                }
            }
        }
        let final_publication = publications.last().expect("at least the sync point");
        let (version, text) = &last[doc];
        assert_eq!(final_publication["params"]["version"], *version);
        let ids: Vec<String> = ranges(
            final_publication["params"]["diagnostics"]
                .as_array()
                .unwrap(),
        )
        .into_iter()
        .map(|r| r.3)
        .collect();
        assert!(ids.contains(&"ttft".to_string()), "{doc} {text:?}: {ids:?}");
    }
}
